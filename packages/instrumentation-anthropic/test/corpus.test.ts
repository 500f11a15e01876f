/**
 * Replays real api.anthropic.com recordings (HAR 1.2, see /work/shared/corpus/README.md) through the real SDK
 * and checks that what the span says equals what the recorded response says. The recordings are read in
 * place: they live outside the repository and are never copied into it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PriceBook } from '@promptscope/core/provider';
import { type CorpusCase, describeCorpusReplay, type RecordedResponse } from '@promptscope/testing/contract';
import { describe, expect, it } from 'vitest';
import { anthropicAdapter } from './adapter.js';
import { type Any, API_KEY, MAJORS, useEnv } from './helpers.js';

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

type Way = 'create' | 'stream()';

/** The recorded request, made the way the recording's test made it; returns everything the caller saw. */
async function call(mod: Any, rec: Recording, way: Way, baseURL: string): Promise<unknown> {
  const Anthropic = mod.Anthropic ?? mod.default;
  const c = new Anthropic({ apiKey: API_KEY, baseURL, maxRetries: 0 });
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

/** The response as the service sent it: it gzipped JSON bodies, and the HAR holds the decoded text. */
function response(rec: Recording): RecordedResponse {
  let body = Buffer.from(decoded(rec), 'utf8');
  const headers: Record<string, string> = { 'content-type': header(rec, 'content-type') ?? 'application/json' };
  if (header(rec, 'content-encoding') === 'gzip') {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  const requestId = header(rec, 'request-id');
  if (requestId !== undefined) headers['request-id'] = requestId;
  return { status: rec.status, headers, body };
}

/** What the span must say about a recording. */
function expectedAttributes(rec: Recording): Record<string, unknown> {
  const e = expected(rec);
  const cost = new PriceBook().price('anthropic', e.model, {
    inputTokens: e.input,
    outputTokens: e.output,
    cacheReadTokens: e.cacheRead,
    cacheWriteTokens: e.cacheWrite,
  });
  const attributes: Record<string, unknown> = {
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': rec.body.model,
    'gen_ai.request.max_tokens': rec.body.max_tokens,
    'gen_ai.response.id': e.id,
    'gen_ai.response.model': e.model,
    'gen_ai.response.finish_reasons': e.finishReasons,
    'gen_ai.usage.input_tokens': e.input,
    'gen_ai.usage.output_tokens': e.output,
    'gen_ai.usage.cache_read.input_tokens': e.cacheRead,
    'gen_ai.usage.cache_creation.input_tokens': e.cacheWrite,
    'promptscope.usage.source': 'provider',
    'server.address': '127.0.0.1',
    // Every recorded model is in the bundled price data, so each span must carry its cost.
    'promptscope.cost.usd': cost.priced ? expect.closeTo(cost.totalUsd, 12) : 'a price for every recorded model',
  };
  if (isStream(rec)) {
    Object.assign(attributes, {
      'gen_ai.request.stream': true,
      'promptscope.stream.outcome': 'completed',
      'promptscope.stream.chunks': sseEvents(rec).filter((ev) => ev.type === 'content_block_delta').length,
      'gen_ai.response.time_to_first_chunk': expect.any(Number),
    });
  }
  return attributes;
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

/** Every recording through create(), and the streamed ones through the stream() helper too. */
function cases(): CorpusCase[] {
  return recordings.flatMap((rec) =>
    (['create', 'stream()'] as const)
      .filter((way) => way === 'create' || isStream(rec))
      .map((way) => ({
        name: `${way}: ${rec.name}`,
        spanName: `chat ${rec.body.model}`,
        response: response(rec),
        path: rec.url.pathname,
        // 1.x sends beta calls to the same path without `?beta=true` (the `anthropic-beta` header says it).
        requestBody: way === 'create' ? rec.body : undefined,
        call: (mod: Any, baseURL: string) => call(mod, rec, way, baseURL),
        expected: expectedAttributes(rec),
        checkResult: (result: unknown) => {
          // The caller got the recorded message.
          if (way === 'create' && !isStream(rec)) expect((result as Json).id).toBe(expected(rec).id);
        },
        captured: {
          'gen_ai.input.messages': inputParts(rec),
          'gen_ai.output.messages': [
            { role: 'assistant', parts: expectedParts(rec), finish_reason: expected(rec).finishReasons[0] },
          ],
          'gen_ai.system_instructions':
            rec.body.system === undefined ? undefined : [{ type: 'text', content: rec.body.system }],
        },
      })),
  );
}

/** The recordings that name what they test, checked against the literal values they were made with. */
function namedCases(): CorpusCase[] {
  const named = (prefix: string, title: string, checkCaptured: (a: Record<string, unknown>) => void): CorpusCase => {
    const rec = find(prefix);
    if (rec === undefined) throw new Error(`recording ${prefix} missing`);
    const [create] = cases().filter((c) => c.name === `create: ${rec.name}`);
    return { ...create, name: title, checkCaptured };
  };
  if (!present) return [];
  return [
    named(
      'should-place-system-prompt-first',
      'system prompt: gen_ai.system_instructions holds the system text, apart from the messages',
      (a) => {
        expect(JSON.parse(a['gen_ai.system_instructions'] as string)).toEqual([
          { type: 'text', content: 'You are a helpful assistant' },
        ]);
        expect(a['gen_ai.input.messages'] as string).not.toContain('You are a helpful assistant');
        expect(a['gen_ai.response.finish_reasons']).toEqual(['max_tokens']);
      },
    ),
    named(
      'should-set-attributes-in-span-for-beta-messages-with-thinking',
      'beta.messages with thinking: a reasoning part before the text',
      (a) => {
        const [message] = JSON.parse(a['gen_ai.output.messages'] as string);
        expect(message.parts.map((p: Json) => p.type)).toEqual(['reasoning', 'text']);
        expect(message.parts[0].content).toMatch(/^This is a very simple arithmetic question\./);
        // The signature is the provider's opaque token, not content: it is not recorded.
        expect(a['gen_ai.output.messages'] as string).not.toContain('EvsCCkYIBhgCKkDc');
        expect(a['gen_ai.usage.output_tokens']).toBe(186);
      },
    ),
  ];
}

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

  describeCorpusReplay(
    anthropicAdapter,
    env,
    MAJORS.map((major) => ({ major, cases: [...cases(), ...namedCases()] })),
  );
});
