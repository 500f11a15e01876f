// What each workload sends and what the in-process transport answers. The loopback transport gets the
// same shapes from @promptscope/testing's fake provider (role chunk, content chunks, finish chunk, usage chunk).

/** Content chunks in a stream; the caller also sees a role chunk, a finish chunk and a usage chunk. */
export const CHUNKS = 50;
export const MODEL = 'gpt-4o-mini';
const STREAM_TEXT = 'word '.repeat(CHUNKS); // splits evenly into CHUNKS pieces on the fake provider too
const REPLY = 'Hello from the fake provider.';
// 4 KB of prose-like text (ASCII, so 4096 bytes).
const PROMPT_4K = 'The quick brown fox jumps over the lazy dog while the bench counts microseconds. '
  .repeat(60)
  .slice(0, 4096);

/**
 * The workloads. `capture` is applied to every variant through its own switch. Plain and stream run with
 * capture off (promptscope's and contrib's default; the instrumentation's own fixed cost); the 4 KB prompt
 * runs both ways.
 */
export const WORKLOADS = [
  { name: 'plain', kind: 'plain', capture: false, title: 'plain chat completion (capture off)' },
  { name: 'stream', kind: 'stream', capture: false, title: `stream: ${CHUNKS} content chunks + usage (capture off)` },
  { name: 'prompt4k-on', kind: 'prompt4k', capture: true, title: '4 KB prompt, content capture ON' },
  { name: 'prompt4k-off', kind: 'prompt4k', capture: false, title: '4 KB prompt, content capture off' },
  // SLOT: anthropic. When packages/instrumentation-anthropic exists, add @anthropic-ai/sdk (and the other
  // instrumentations' Anthropic packages) to bench/package.json and a workload here, e.g.
  //   { name: 'anthropic-plain', kind: 'anthropic-plain', capture: false, title: 'Anthropic messages.create' }
  // with its request/response shapes below and an Anthropic client in child.mjs.
];

/** A fresh request body per call, as an app would build it. */
export function request(kind) {
  if (kind === 'plain') return { model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] };
  if (kind === 'stream') {
    return {
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hello.' }],
      stream: true,
      stream_options: { include_usage: true },
    };
  }
  if (kind === 'prompt4k') {
    return {
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: PROMPT_4K },
      ],
    };
  }
  throw new Error(`unknown workload kind ${kind}`);
}

const ID = 'chatcmpl-bench0000000000000000000';
const CREATED = 1_760_000_000;
const RESPONSE_MODEL = 'gpt-4o-mini-2024-07-18';

export function plainBody() {
  return {
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: RESPONSE_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: REPLY, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
    service_tier: 'default',
    system_fingerprint: null,
  };
}

/** SSE frames of a streamed answer with include_usage, as the real API sends them. */
export function chunkFrames() {
  const chunk = (choices, usage = null) => ({
    id: ID,
    object: 'chat.completion.chunk',
    created: CREATED,
    model: RESPONSE_MODEL,
    service_tier: 'default',
    system_fingerprint: null,
    choices,
    usage,
  });
  const choice = (delta, finish = null) => ({ index: 0, delta, logprobs: null, finish_reason: finish });
  const frames = [chunk([choice({ role: 'assistant', content: '', refusal: null })])];
  for (let i = 0; i < CHUNKS; i++) frames.push(chunk([choice({ content: 'word ' })]));
  frames.push(chunk([choice({}, 'stop')]));
  frames.push(chunk([], { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS }));
  return [...frames.map((f) => `data: ${JSON.stringify(f)}\n\n`), 'data: [DONE]\n\n'];
}

/** Script for the fake provider, chosen per request. */
export function fakeScript(req) {
  return req.body?.stream ? { content: STREAM_TEXT, chunks: CHUNKS, usage: { input: 12, output: CHUNKS } } : {};
}
