/**
 * Replays real api.anthropic.com recordings (HAR 1.2, see /work/shared/corpus/README.md) through the real SDK
 * and checks that what the span says equals what the recorded response says. The recordings are read in
 * place: they live outside the repository and are never copied into it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { PriceBook } from '@promptscope/core/provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';
import { type Any, API_KEY, bothWays, diagnostics, loadMajor, MAJORS, type Major, only, useEnv } from './helpers.js';

const dir = fileURLToPath(new URL('../../../../shared/corpus/anthropic-recorded/', import.meta.url));
const present = existsSync(dir);
if (!present) {
  console.warn(`corpus.test.ts: skipped, the recorded corpus is not at ${dir} (it lives outside the repository)`);
}

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON of any shape
type Json = any;

interface HarHeader {
  name: string;
  value: string;
}

interface Recording {
  name: string;
  url: URL;
  /** The request body as the SDK sent it. */
  body: Json;
  status: number;
  headers: HarHeader[];
  /** The decoded response body: JSON text, or the raw SSE text of a stream. */
  text: string;
  /** Set when the body was stored base64-encoded. */
  encoding?: string;
}

function header(rec: Recording, name: string): string | undefined {
  return rec.headers.find((h) => h.name.toLowerCase() === name)?.value;
}

function loadRecordings(): Recording[] {
  if (!present) return [];
  const out: Recording[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.har'))
    .sort()) {
    const har = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Json;
    const entries = har.log.entries as Json[];
    entries.forEach((e, i) => {
      out.push({
        name: `${file.replace(/_\d+\.har$/, '')}${entries.length > 1 ? `#${i}` : ''}`,
        url: new URL(e.request.url),
        body: JSON.parse(e.request.postData.text),
        status: e.response.status,
        headers: e.response.headers,
        text: e.response.content.text,
        encoding: e.response.content.encoding,
      });
    });
  }
  return out;
}

const recordings = loadRecordings();
const isStream = (rec: Recording) => rec.body.stream === true;
const isBeta = (rec: Recording) => rec.url.searchParams.get('beta') === 'true';
const find = (prefix: string) => recordings.find((r) => r.name.startsWith(prefix));

/** The decoded response text, whatever the HAR stored. */
function decoded(rec: Recording): string {
  return rec.encoding === 'base64' ? Buffer.from(rec.text, 'base64').toString('utf8') : rec.text;
}

/** The `data:` payloads of an SSE body; the real service pads them with spaces before the closing brace. */
function sseEvents(rec: Recording): Json[] {
  return decoded(rec)
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => JSON.parse(l.slice(5)));
}

interface Expected {
  id: string;
  model: string;
  finishReasons: string[];
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** The response's content blocks, rebuilt from the deltas for a stream. */
  content: Json[];
}

/** What the recording says, computed independently of src/. */
function expected(rec: Recording): Expected {
  let message: Json;
  if (isStream(rec)) {
    const events = sseEvents(rec);
    const start = events.find((e) => e.type === 'message_start').message;
    const delta = events.filter((e) => e.type === 'message_delta').at(-1);
    const blocks: Json[] = [];
    for (const e of events) {
      if (e.type === 'content_block_start') blocks[e.index] = { ...e.content_block };
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') blocks[e.index].text += e.delta.text;
      if (e.type === 'content_block_delta' && e.delta.type === 'thinking_delta') {
        blocks[e.index].thinking += e.delta.thinking;
      }
    }
    message = {
      ...start,
      content: blocks,
      stop_reason: delta.delta.stop_reason,
      usage: { ...start.usage, ...delta.usage },
    };
  } else {
    message = JSON.parse(decoded(rec));
  }
  const u = message.usage;
  const read = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  return {
    id: message.id,
    model: message.model,
    finishReasons: [message.stop_reason],
    input: u.input_tokens + read + write,
    output: u.output_tokens,
    cacheRead: read || undefined,
    cacheWrite: write || undefined,
    content: message.content,
  };
}

const env = useEnv();
let server: Server;
let baseURL = '';
let current: Recording | undefined;
const served: { method?: string; url?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      served.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8') });
      const rec = current;
      if (rec === undefined) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('no recording selected');
        return;
      }
      // The HAR holds the decoded text; the service gzipped JSON bodies, so replay them gzipped as it did.
      let body = Buffer.from(decoded(rec), 'utf8');
      const headers: Record<string, string> = { 'content-type': header(rec, 'content-type') ?? 'application/json' };
      if (header(rec, 'content-encoding') === 'gzip') {
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      headers['content-length'] = String(body.length);
      const requestId = header(rec, 'request-id');
      if (requestId !== undefined) headers['request-id'] = requestId;
      res.writeHead(rec.status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  served.length = 0;
  current = undefined;
  // The OTel SDK warns "Cannot execute the operation on ended Span" when a span is ended twice.
  expect(diagnostics.filter((d) => d.includes('ended'))).toEqual([]);
});

/** Our spans only: without instrumentation, @anthropic-ai/sdk 0.134+ makes spans of its own. */
const ours = (): ReadableSpan[] => env.harness.spans().filter((s) => s.instrumentationScope.name === PACKAGE_NAME);

function replayClient(mod: Any): Any {
  const Anthropic = mod.Anthropic ?? mod.default;
  return new Anthropic({ apiKey: API_KEY, baseURL, maxRetries: 0 });
}

type Way = 'create' | 'stream()';

/** The recorded request, made the way the recording's test made it; returns everything the caller saw. */
async function call(mod: Any, rec: Recording, way: Way): Promise<unknown> {
  const c = replayClient(mod);
  const api = isBeta(rec) ? c.beta.messages : c.messages;
  const body = structuredClone(rec.body);
  if (way === 'stream()') {
    const { stream: _, ...rest } = body;
    const stream = api.stream(rest);
    const texts: string[] = [];
    stream.on('text', (t: string) => texts.push(t));
    return { texts, final: await stream.finalMessage() };
  }
  const result = await api.create(body);
  if (!isStream(rec)) return result;
  const events: unknown[] = [];
  for await (const e of result) events.push(e);
  return events;
}

function checkSpan(rec: Recording): ReadableSpan {
  const e = expected(rec);
  const span = only(ours());
  const a = span.attributes;
  expect(span.status.code).toBe(0);
  expect(span.name).toBe(`chat ${rec.body.model}`);
  expect(a['gen_ai.provider.name']).toBe('anthropic');
  expect(a['gen_ai.operation.name']).toBe('chat');
  expect(a['gen_ai.request.model']).toBe(rec.body.model);
  expect(a['gen_ai.request.max_tokens']).toBe(rec.body.max_tokens);
  expect(a['gen_ai.response.id']).toBe(e.id);
  expect(a['gen_ai.response.model']).toBe(e.model);
  expect(a['gen_ai.response.finish_reasons']).toEqual(e.finishReasons);
  expect(a['gen_ai.usage.input_tokens']).toBe(e.input);
  expect(a['gen_ai.usage.output_tokens']).toBe(e.output);
  expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(e.cacheRead);
  expect(a['gen_ai.usage.cache_creation.input_tokens']).toBe(e.cacheWrite);
  expect(a['promptscope.usage.source']).toBe('provider');
  expect(a['server.address']).toBe('127.0.0.1');
  const cost = new PriceBook().price('anthropic', e.model, {
    inputTokens: e.input,
    outputTokens: e.output,
    cacheReadTokens: e.cacheRead,
    cacheWriteTokens: e.cacheWrite,
  });
  // Every recorded model is in the bundled price data, so each span must carry its cost.
  expect(cost.priced).toBe(true);
  if (cost.priced) expect(a['promptscope.cost.usd']).toBeCloseTo(cost.totalUsd, 12);
  if (isStream(rec)) {
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    const deltas = sseEvents(rec).filter((ev) => ev.type === 'content_block_delta').length;
    expect(a['promptscope.stream.chunks']).toBe(deltas);
    expect(typeof a['gen_ai.response.time_to_first_chunk']).toBe('number');
  }
  // Capture is off by default: no content attribute at all.
  for (const k of Object.keys(a)) expect(k).not.toMatch(/messages|system_instructions|tool_definitions/);
  return span;
}

/** The response's content blocks in the conventions' part shapes, computed from the recording. */
function expectedParts(rec: Recording): Json[] {
  return expected(rec).content.map((b: Json) =>
    b.type === 'thinking' ? { type: 'reasoning', content: b.thinking } : { type: 'text', content: b.text },
  );
}

function inputParts(rec: Recording): Json[] {
  return rec.body.messages.map((m: Json) => ({ role: m.role, parts: [{ type: 'text', content: m.content }] }));
}

const PLAN: { major: Major; ways: Way[] }[] = MAJORS.map((major) => ({ major, ways: ['create', 'stream()'] }));

describe.skipIf(!present)('recorded Anthropic corpus', () => {
  it('reads the recordings in place, outside the repository', () => {
    expect(dir.replace(/\\/g, '/')).toMatch(/\/shared\/corpus\/anthropic-recorded\/$/);
    // Not under the repository root: the recordings are read where they are, never copied in.
    expect(dir.startsWith(fileURLToPath(new URL('../../../', import.meta.url)))).toBe(false);
  });

  it('has the recordings this file was written against', () => {
    expect(recordings.map((r) => r.name).sort()).toEqual([
      'should-place-system-prompt-first-for-messages',
      'should-set-attributes-in-span-for-beta-messages-with-thinking',
      'should-set-attributes-in-span-for-messages',
      'should-set-attributes-in-span-for-messages-streaming',
    ]);
    for (const r of recordings) expect(r.status).toBe(200);
    // Quirks the replay must reproduce: gzipped JSON, padded SSE data lines, a beta endpoint, a system prompt.
    expect(recordings.filter((r) => header(r, 'content-encoding') === 'gzip')).toHaveLength(3);
    const stream = find('should-set-attributes-in-span-for-messages-streaming');
    expect(stream && decoded(stream)).toMatch(/"}\s{2,}}\n/);
    expect(recordings.filter(isBeta)).toHaveLength(1);
    expect(find('should-place-system-prompt-first')?.body.system).toBe('You are a helpful assistant');
  });

  describe.each(PLAN)('$major', ({ major, ways }) => {
    let mod: Any;
    beforeAll(async () => {
      mod = await loadMajor(major);
    });

    for (const rec of recordings) {
      // The stream() helper streams whatever the recording was; for plain recordings it would need SSE.
      for (const way of ways.filter((w) => w === 'create' || isStream(rec))) {
        it(`${way}: ${rec.name}`, async () => {
          current = rec;
          const { plain, instrumented } = await bothWays(mod, () => call(mod, rec, way));
          expect(plain.ok, JSON.stringify(plain)).toBe(true);
          expect(instrumented).toEqual(plain);
          // Both runs reached the replay server with the same request, the recorded one.
          expect(served).toHaveLength(2);
          expect(served[1]).toEqual(served[0]);
          // 1.x sends beta calls to the same path without `?beta=true` (the `anthropic-beta` header says it).
          expect(served[0].url?.split('?')[0]).toBe(rec.url.pathname);
          const sent = JSON.parse(served[0].body);
          if (way === 'create') expect(sent).toEqual(rec.body);
          checkSpan(rec);
          if (plain.ok && way === 'create' && !isStream(rec)) {
            // The caller got the recorded message.
            expect((plain.value as Json).id).toBe(expected(rec).id);
          }
        });

        it(`${way}: ${rec.name}, content captured`, async () => {
          current = rec;
          const { plain, instrumented } = await bothWays(mod, () => call(mod, rec, way), { captureContent: true });
          expect(plain.ok, JSON.stringify(plain)).toBe(true);
          expect(instrumented).toEqual(plain);
          const a = only(ours()).attributes;
          expect(JSON.parse(a['gen_ai.input.messages'] as string)).toEqual(inputParts(rec));
          const out = JSON.parse(a['gen_ai.output.messages'] as string);
          expect(out).toEqual([
            { role: 'assistant', parts: expectedParts(rec), finish_reason: expected(rec).finishReasons[0] },
          ]);
          if (rec.body.system !== undefined) {
            expect(JSON.parse(a['gen_ai.system_instructions'] as string)).toEqual([
              { type: 'text', content: rec.body.system },
            ]);
          } else {
            expect(a['gen_ai.system_instructions']).toBeUndefined();
          }
          expect(a['promptscope.content.truncated']).toBeUndefined();
        });
      }
    }
  });

  describe.each(MAJORS)('%s: the recordings that name what they test', (major) => {
    let mod: Any;
    beforeAll(async () => {
      mod = await loadMajor(major);
    });

    it('system prompt: gen_ai.system_instructions holds the system text, apart from the messages', async () => {
      const rec = find('should-place-system-prompt-first');
      if (rec === undefined) throw new Error('recording missing');
      current = rec;
      const { instrumented } = await bothWays(mod, () => call(mod, rec, 'create'), { captureContent: true });
      expect(instrumented.ok).toBe(true);
      const a = only(ours()).attributes;
      expect(JSON.parse(a['gen_ai.system_instructions'] as string)).toEqual([
        { type: 'text', content: 'You are a helpful assistant' },
      ]);
      expect(a['gen_ai.input.messages'] as string).not.toContain('You are a helpful assistant');
      expect(a['gen_ai.response.finish_reasons']).toEqual(['max_tokens']);
    });

    it('beta.messages with thinking: a reasoning part before the text', async () => {
      const rec = find('should-set-attributes-in-span-for-beta-messages-with-thinking');
      if (rec === undefined) throw new Error('recording missing');
      current = rec;
      const { instrumented } = await bothWays(mod, () => call(mod, rec, 'create'), { captureContent: true });
      expect(instrumented.ok).toBe(true);
      const a = only(ours()).attributes;
      const [message] = JSON.parse(a['gen_ai.output.messages'] as string);
      expect(message.parts.map((p: Json) => p.type)).toEqual(['reasoning', 'text']);
      expect(message.parts[0].content).toMatch(/^This is a very simple arithmetic question\./);
      // The signature is the provider's opaque token, not content: it is not recorded.
      expect(a['gen_ai.output.messages'] as string).not.toContain('EvsCCkYIBhgCKkDc');
      expect(a['gen_ai.usage.output_tokens']).toBe(186);
    });
  });
});
