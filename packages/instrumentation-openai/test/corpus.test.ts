/**
 * Replays real api.openai.com recordings (nock format, see /work/shared/corpus/README.md) through the real SDK
 * and checks that what the span says equals what the recorded response says.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type CorpusCase, describeCorpusReplay, type RecordedResponse } from '@promptscope/testing/contract';
import { describe, expect, it } from 'vitest';
import { openaiAdapter } from './adapter.js';
import { type AnyModule, API_KEY, type Major, useEnv } from './helpers.js';

const dir = fileURLToPath(new URL('../../../../shared/corpus/openai-recorded/', import.meta.url));
const present = existsSync(dir);
if (!present) {
  console.warn(`corpus.test.ts: skipped, the recorded corpus is not at ${dir} (it lives outside the repository)`);
}

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON of any shape
type Json = any;

interface Interaction {
  method: string;
  path: string;
  body: Json;
  status: number;
  /** JSON body; raw SSE text for streams; hex strings of the raw (gzip) bytes when the body was binary. */
  response: unknown;
  rawHeaders: Record<string, string> | string[];
}

type Kind = 'chat' | 'chat-stream' | 'responses' | 'responses-stream' | 'embeddings';

interface Case {
  name: string;
  kind: Kind;
  rec: Interaction;
}

function header(rec: Interaction, name: string): string | undefined {
  const h = rec.rawHeaders;
  if (Array.isArray(h)) {
    for (let i = 0; i + 1 < h.length; i += 2) if (h[i].toLowerCase() === name) return h[i + 1];
    return undefined;
  }
  for (const [k, v] of Object.entries(h ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** The bytes that went over the wire, as recorded. */
function wireBody(rec: Interaction): Buffer {
  if (Array.isArray(rec.response)) return Buffer.from(rec.response.join(''), 'hex');
  if (typeof rec.response === 'string') return Buffer.from(rec.response, 'utf8');
  return Buffer.from(JSON.stringify(rec.response), 'utf8');
}

/** The decoded JSON body of a non-stream recording. */
function jsonBody(rec: Interaction): Json {
  if (!Array.isArray(rec.response)) return rec.response;
  const raw = wireBody(rec);
  return JSON.parse((header(rec, 'content-encoding') === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
}

function sseEvents(rec: Interaction): Json[] {
  return String(rec.response)
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d));
}

function kindOf(rec: Interaction): Kind | undefined {
  const stream = rec.body?.stream === true;
  if (rec.path === '/v1/chat/completions') return stream ? 'chat-stream' : 'chat';
  if (rec.path === '/v1/responses') return stream ? 'responses-stream' : 'responses';
  if (rec.path === '/v1/embeddings') return 'embeddings';
  return undefined;
}

function loadCases(): Case[] {
  if (!present) return [];
  const cases: Case[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const recs = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Interaction[];
    recs.forEach((rec, i) => {
      const kind = kindOf(rec);
      if (kind !== undefined && rec.status === 200) {
        cases.push({ name: `${file.replace(/\.json$/, '')}${recs.length > 1 ? `#${i}` : ''}`, kind, rec });
      }
    });
  }
  return cases;
}

const cases = loadCases();
const ofKind = (...kinds: Kind[]) => cases.filter((c) => kinds.includes(c.kind));

interface Expected {
  id?: string;
  model?: string;
  finishReasons?: string[];
  input?: number;
  output?: number;
  cached?: number;
  reasoning?: number;
}

const nonZero = (n: unknown) => (typeof n === 'number' && n !== 0 ? n : undefined);

function chatUsage(u: Json | undefined): Partial<Expected> {
  if (!u) return {};
  return {
    input: u.prompt_tokens,
    output: u.completion_tokens,
    cached: nonZero(u.prompt_tokens_details?.cached_tokens),
    reasoning: nonZero(u.completion_tokens_details?.reasoning_tokens),
  };
}

function responsesUsage(u: Json | undefined | null): Partial<Expected> {
  if (!u) return {};
  return {
    input: u.input_tokens,
    output: u.output_tokens,
    cached: nonZero(u.input_tokens_details?.cached_tokens),
    reasoning: nonZero(u.output_tokens_details?.reasoning_tokens),
  };
}

// Output items that ask the application to run a tool (responses-content.ts uses the same set for the output message).
const CLIENT_TOOL_CALLS = new Set([
  'function_call',
  'custom_tool_call',
  'computer_call',
  'local_shell_call',
  'shell_call',
  'apply_patch_call',
]);

function responsesFinish(r: Json, status: string | undefined): string {
  if (status === 'completed') {
    return (r.output ?? []).some((o: { type?: string }) => CLIENT_TOOL_CALLS.has(o.type ?? '')) ? 'tool_call' : 'stop';
  }
  if (status === 'incomplete') return r.incomplete_details?.reason === 'max_output_tokens' ? 'length' : 'error';
  return 'error';
}

function expected(c: Case): Expected {
  const { rec } = c;
  switch (c.kind) {
    case 'chat': {
      const r = jsonBody(rec);
      return {
        id: r.id,
        model: r.model,
        finishReasons: r.choices.map((ch: { finish_reason: string }) => ch.finish_reason),
        ...chatUsage(r.usage),
      };
    }
    case 'chat-stream': {
      const chunks = sseEvents(rec);
      const reasons: string[] = [];
      let usage: Record<string, unknown> | undefined;
      for (const chunk of chunks) {
        for (const ch of chunk.choices ?? []) if (ch.finish_reason) reasons[ch.index] = ch.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      const n = Math.max(rec.body.n ?? 1, reasons.length);
      return {
        id: chunks[0].id,
        model: chunks[0].model,
        finishReasons: Array.from({ length: n }, (_, i) => reasons[i] ?? 'error'),
        ...chatUsage(usage),
      };
    }
    case 'responses': {
      const r = jsonBody(rec);
      return { id: r.id, model: r.model, finishReasons: [responsesFinish(r, r.status)], ...responsesUsage(r.usage) };
    }
    case 'responses-stream': {
      const events = sseEvents(rec);
      const terminal = events.filter((e) => /^response\.(completed|incomplete|failed)$/.test(e.type)).at(-1);
      const r = terminal.response;
      // A terminal event says how the response ended even when its `response` omits `status`.
      const status = r.status ?? terminal.type.slice('response.'.length);
      return { id: r.id, model: r.model, finishReasons: [responsesFinish(r, status)], ...responsesUsage(r.usage) };
    }
    case 'embeddings': {
      const r = jsonBody(rec);
      return { model: r.model, input: r.usage.prompt_tokens };
    }
  }
}

const env = useEnv();

async function call(mod: AnyModule, c: Case, baseURL: string): Promise<unknown> {
  const OpenAI = mod.OpenAI ?? mod.default;
  const cl = new OpenAI({ apiKey: API_KEY, baseURL: `${baseURL}/v1`, maxRetries: 0 });
  const body = structuredClone(c.rec.body);
  const method =
    c.kind === 'embeddings'
      ? cl.embeddings.create.bind(cl.embeddings)
      : c.kind.startsWith('chat')
        ? cl.chat.completions.create.bind(cl.chat.completions)
        : cl.responses.create.bind(cl.responses);
  const result = await method(body);
  if (!c.kind.endsWith('-stream')) return result;
  const items: unknown[] = [];
  for await (const item of result) items.push(item);
  return items;
}

/** The response as recorded: the raw (gzip) bytes when nock kept them, with the headers that matter. */
function response(rec: Interaction): RecordedResponse {
  const body = wireBody(rec);
  const headers: Record<string, string> = { 'content-type': header(rec, 'content-type') ?? 'application/json' };
  const encoding = header(rec, 'content-encoding');
  if (encoding !== undefined && Array.isArray(rec.response)) headers['content-encoding'] = encoding;
  const requestId = header(rec, 'x-request-id');
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  return { status: rec.status, headers, body };
}

/** What the span must say about a recording. */
function expectedAttributes(c: Case): Record<string, unknown> {
  const e = expected(c);
  const attributes: Record<string, unknown> = {
    'gen_ai.request.model': c.rec.body.model,
    'gen_ai.response.id': e.id,
    'gen_ai.response.model': e.model,
    'gen_ai.response.finish_reasons': e.finishReasons,
    'gen_ai.usage.input_tokens': e.input,
    'gen_ai.usage.output_tokens': e.output,
    'gen_ai.usage.cache_read.input_tokens': e.cached,
    'gen_ai.usage.reasoning.output_tokens': e.reasoning,
    'promptscope.usage.source': e.input === undefined && e.output === undefined ? 'missing' : 'provider',
  };
  if (c.kind.endsWith('-stream')) {
    attributes['gen_ai.request.stream'] = true;
    attributes['promptscope.stream.outcome'] = 'completed';
  }
  if (c.kind === 'embeddings') attributes['gen_ai.operation.name'] = 'embeddings';
  else attributes['openai.api.type'] = c.kind.startsWith('chat') ? 'chat_completions' : 'responses';
  return attributes;
}

const corpusCase = (c: Case): CorpusCase => ({
  name: `${c.kind}: ${c.name}`,
  response: response(c.rec),
  path: c.rec.path,
  requestBody: c.rec.body,
  call: (mod, baseURL) => call(mod, c, baseURL),
  expected: expectedAttributes(c),
});

const PLAN: { major: Major; kinds: Kind[] }[] = [
  { major: 'openai-v6', kinds: ['chat', 'chat-stream', 'responses', 'responses-stream', 'embeddings'] },
  { major: 'openai-v4', kinds: ['chat', 'chat-stream'] },
];

describe.skipIf(!present)('recorded corpus', () => {
  it('has the recordings this file was written against', () => {
    expect(ofKind('chat').length).toBeGreaterThanOrEqual(9);
    expect(ofKind('chat-stream').length).toBeGreaterThanOrEqual(12);
    expect(ofKind('responses').length).toBeGreaterThanOrEqual(16);
    expect(ofKind('responses-stream').length).toBeGreaterThanOrEqual(5);
    expect(ofKind('embeddings').length).toBe(1);
    const names = cases.map((c) => c.name);
    expect(names).toContain('openai-streaming-chat-completions-copes-with-chunks-missing-a-choices-array');
    expect(names).toContain('openai-streaming-chat-completions-records-multiple-choices');
    expect(names).toContain('openai-streaming-chat-completions-records-usage');
    expect(names.some((n) => n.startsWith('openai-streaming-chat-completions-records-tool-calls'))).toBe(true);
  });

  describeCorpusReplay(
    openaiAdapter,
    env,
    PLAN.map(({ major, kinds }) => ({ major, cases: ofKind(...kinds).map(corpusCase) })),
  );
});
