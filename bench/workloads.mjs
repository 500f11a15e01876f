// What each workload sends and what the in-process transport answers. The loopback transport gets the
// same shapes from @promptscope/testing's fake provider: OpenAI (role chunk, content chunks, finish chunk,
// usage chunk) and Anthropic Messages (message_start, content_block_start, ping, text deltas,
// content_block_stop, message_delta with usage, message_stop).

/** Content chunks in a stream; the caller also sees a role chunk, a finish chunk and a usage chunk. */
export const CHUNKS = 50;
export const MODEL = 'gpt-4o-mini';
// Priced in promptscope's bundled price data, and not one the SDK warns about on every call (it console.warns
// per request for deprecated models such as claude-sonnet-4-5).
export const ANTHROPIC_MODEL = 'claude-haiku-4-5';
const STREAM_TEXT = 'word '.repeat(CHUNKS); // splits evenly into CHUNKS pieces on the fake provider too
const REPLY = 'Hello from the fake provider.';
// 4 KB of prose-like text (ASCII, so 4096 bytes).
const PROMPT_4K = 'The quick brown fox jumps over the lazy dog while the bench counts microseconds. '
  .repeat(60)
  .slice(0, 4096);

/**
 * The workloads. `capture` is applied to every variant through its own switch. Plain, stream and the 4 KB
 * prompt run with capture off (promptscope's and contrib's default; the instrumentation's own fixed cost)
 * and on.
 */
export const WORKLOADS = [
  { name: 'plain', kind: 'plain', capture: false, title: 'plain chat completion (capture off)' },
  {
    name: 'stream',
    kind: 'stream',
    stream: true,
    plain: 'plain',
    capture: false,
    title: `stream: ${CHUNKS} content chunks + usage (capture off)`,
  },
  // The same two with content capture on, as an app debugging its prompts runs (and as the other
  // instrumentations run by default: traceloop and openinference capture content unless told not to).
  { name: 'plain-on', kind: 'plain', capture: true, title: 'plain chat completion, content capture ON' },
  {
    name: 'stream-on',
    kind: 'stream',
    stream: true,
    plain: 'plain-on',
    capture: true,
    title: `stream: ${CHUNKS} content chunks + usage, content capture ON`,
  },
  { name: 'prompt4k-on', kind: 'prompt4k', capture: true, title: '4 KB prompt, content capture ON' },
  { name: 'prompt4k-off', kind: 'prompt4k', capture: false, title: '4 KB prompt, content capture off' },
  // Anthropic (`@anthropic-ai/sdk`, Messages API). OTel contrib has no Anthropic instrumentation: n/a.
  {
    name: 'anthropic-plain',
    kind: 'anthropic-plain',
    provider: 'anthropic',
    capture: false,
    title: 'Anthropic messages.create (capture off)',
  },
  {
    name: 'anthropic-stream',
    kind: 'anthropic-stream',
    provider: 'anthropic',
    stream: true,
    plain: 'anthropic-plain',
    capture: false,
    title: `Anthropic stream: ${CHUNKS} text deltas + usage (capture off)`,
  },
];

/** Variants that have no instrumentation for a workload's provider (reported as n/a, never run). */
const NOT_AVAILABLE = { anthropic: new Set(['otel-contrib']) };
export const applicable = (variant, workload) => !NOT_AVAILABLE[workload.provider ?? 'openai']?.has(variant);

/**
 * Items the caller's `for await` sees per stream. OpenAI: role chunk, CHUNKS content chunks, finish chunk,
 * usage chunk. Anthropic: message_start, content_block_start, CHUNKS deltas, content_block_stop,
 * message_delta, message_stop (the SDK drops `ping`).
 */
export const streamItems = (workload) => (workload.provider === 'anthropic' ? CHUNKS + 5 : CHUNKS + 3);

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
  if (kind === 'anthropic-plain') {
    return { model: ANTHROPIC_MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'Say hello.' }] };
  }
  if (kind === 'anthropic-stream') {
    return {
      model: ANTHROPIC_MODEL,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Say hello.' }],
      stream: true,
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

const MSG_ID = 'msg_01BenchBenchBenchBenchBen';
const ANTHROPIC_RESPONSE_MODEL = 'claude-haiku-4-5-20251001';
const anthropicUsage = (output) => ({
  input_tokens: 12,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  output_tokens: output,
  service_tier: 'standard',
});

/** Anthropic Messages answer, as the real API sends it. */
export function anthropicPlainBody() {
  return {
    id: MSG_ID,
    type: 'message',
    role: 'assistant',
    model: ANTHROPIC_RESPONSE_MODEL,
    content: [{ type: 'text', text: REPLY }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage(7),
  };
}

/** SSE frames of a streamed Anthropic answer (named events), as the real API sends them. */
export function anthropicFrames() {
  const frame = (type, fields) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
  const frames = [
    frame('message_start', {
      message: {
        id: MSG_ID,
        type: 'message',
        role: 'assistant',
        model: ANTHROPIC_RESPONSE_MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(1),
      },
    }),
    frame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    'event: ping\ndata: {"type": "ping"}\n\n',
  ];
  for (let i = 0; i < CHUNKS; i++) {
    frames.push(frame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'word ' } }));
  }
  frames.push(frame('content_block_stop', { index: 0 }));
  frames.push(
    frame('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: CHUNKS },
    }),
  );
  frames.push(frame('message_stop', {}));
  return frames;
}

/** Script for the fake provider, chosen per request (the same for both wire formats). */
export function fakeScript(req) {
  return req.body?.stream ? { content: STREAM_TEXT, chunks: CHUNKS, usage: { input: 12, output: CHUNKS } } : {};
}
