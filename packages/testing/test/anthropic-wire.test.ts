import { performance } from 'node:perf_hooks';
import AnthropicV0_39, * as v0_39 from 'anthropic-v0-39';
import AnthropicV0_71, * as v0_71 from 'anthropic-v0-71';
import AnthropicV0_137, * as v0_137 from 'anthropic-v0-137';
import AnthropicV1, * as v1 from 'anthropic-v1';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONTENT, type FakeProvider, type Script, startFakeProvider } from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: error classes differ per SDK version; only instanceof is used
type ErrorClass = abstract new (...args: any[]) => Error;

interface Sdk {
  name: string;
  /** Every SDK is driven through the v1 typings; the wire shapes used here are the same in all of them. */
  create(origin: string): AnthropicV1;
  /** Request target of `client.beta.messages.create`: v0 SDKs add `?beta=true`, v1 sends the betas header only. */
  betaUrl: string;
  /** The header carrying the API key: v0 SDKs send `x-api-key`, v1 sends `authorization: Bearer`. */
  auth: [header: string, value: string];
  errors: {
    APIError: ErrorClass;
    RateLimitError: ErrorClass;
    InternalServerError: ErrorClass;
    APIConnectionError: ErrorClass;
    /** The 529 class: OverloadedError where the SDK has one, else InternalServerError. */
    Overloaded: ErrorClass;
    /** The 503 class: ServiceUnavailableError where the SDK has one, else InternalServerError. */
    Unavailable: ErrorClass;
  };
}

const opts = (origin: string) => ({ apiKey: 'sk-ant-test', baseURL: origin, maxRetries: 0 });

const SDKS: Sdk[] = [
  {
    name: 'anthropic-v0-39',
    create: (origin) => new AnthropicV0_39(opts(origin)) as unknown as AnthropicV1,
    betaUrl: '/v1/messages?beta=true',
    auth: ['x-api-key', 'sk-ant-test'],
    errors: { ...v0_39, Overloaded: v0_39.InternalServerError, Unavailable: v0_39.InternalServerError },
  },
  {
    name: 'anthropic-v0-71',
    create: (origin) => new AnthropicV0_71(opts(origin)) as unknown as AnthropicV1,
    betaUrl: '/v1/messages?beta=true',
    auth: ['x-api-key', 'sk-ant-test'],
    errors: { ...v0_71, Overloaded: v0_71.InternalServerError, Unavailable: v0_71.InternalServerError },
  },
  {
    name: 'anthropic-v0-137',
    create: (origin) => new AnthropicV0_137(opts(origin)) as unknown as AnthropicV1,
    betaUrl: '/v1/messages?beta=true',
    auth: ['x-api-key', 'sk-ant-test'],
    errors: { ...v0_137, Overloaded: v0_137.InternalServerError, Unavailable: v0_137.InternalServerError },
  },
  {
    name: 'anthropic-v1',
    create: (origin) => new AnthropicV1(opts(origin)),
    betaUrl: '/v1/messages',
    auth: ['authorization', 'Bearer sk-ant-test'],
    errors: { ...v1, Overloaded: v1.OverloadedError, Unavailable: v1.ServiceUnavailableError },
  },
];

const MODEL = 'claude-sonnet-4-5';
const USER = [{ role: 'user' as const, content: 'Which ocean contains Bouvet Island?' }];
const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather',
  input_schema: { type: 'object' as const, properties: { location: { type: 'string' } } },
};

let provider: FakeProvider;

beforeAll(async () => {
  provider = await startFakeProvider();
});
afterEach(() => {
  provider.reset();
  vi.restoreAllMocks();
});
afterAll(() => provider.close());

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

function header(headers: unknown, name: string): string | null | undefined {
  const h = headers as { get?: (n: string) => string | null } & Record<string, string>;
  return typeof h.get === 'function' ? h.get(name) : h[name];
}

describe.each(SDKS)('Anthropic Messages via $name', (sdk) => {
  let client: AnthropicV1;
  beforeAll(() => {
    client = sdk.create(provider.origin);
  });

  it('returns the scripted content, usage, stop_reason, id and model', async () => {
    provider.script({
      content: 'Atlantic Ocean.',
      model: 'claude-sonnet-4-5-20250929',
      id: 'msg_01abc',
      usage: { input: 22, output: 3, cached: 100, cacheWrite: 30 },
    });
    const { data: msg, response } = await client.messages
      .create({ model: MODEL, max_tokens: 100, messages: USER })
      .withResponse();
    expect(msg).toMatchObject({
      id: 'msg_01abc',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Atlantic Ocean.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 22,
        output_tokens: 3,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 30,
      },
    });
    expect(response.headers.get('request-id')).toMatch(/^req_011C[A-Za-z0-9]{20}$/);
    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages', body: { model: MODEL } });
    expect(provider.requests[0].headers[sdk.auth[0]]).toBe(sdk.auth[1]);
    // v0 SDKs send 2023-06-01, v1 a newer date.
    expect(provider.requests[0].headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('defaults to echoing the model, a generated msg_ id and the default content', async () => {
    const msg = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: USER });
    expect(msg.model).toBe('claude-haiku-4-5');
    expect(msg.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(msg.content).toEqual([{ type: 'text', text: DEFAULT_CONTENT }]);
    expect(msg.usage).toMatchObject({ input_tokens: 12, output_tokens: 7, cache_read_input_tokens: 0 });
  });

  it('maps finish reasons onto stop_reason and reports the matched stop sequence', async () => {
    provider.enqueue({ finishReason: 'length' }, { finishReason: 'stop_sequence' });
    const a = await client.messages.create({ model: MODEL, max_tokens: 5, messages: USER });
    expect(a.stop_reason).toBe('max_tokens');
    const b = await client.messages.create({ model: MODEL, max_tokens: 5, messages: USER, stop_sequences: ['END'] });
    expect(b.stop_reason).toBe('stop_sequence');
    expect(b.stop_sequence).toBe('END');
  });

  it('returns plain tool_use blocks with stop_reason tool_use', async () => {
    provider.script({
      toolCalls: [
        { id: 'toolu_01A', name: 'get_weather', arguments: '{"location":"Paris"}' },
        { name: 'get_weather', arguments: '{"location":"Oslo","unit":"c"}' },
      ],
    });
    const msg = await client.messages.create({ model: MODEL, max_tokens: 100, messages: USER, tools: [WEATHER_TOOL] });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content).toHaveLength(2);
    expect(msg.content[0]).toEqual({
      type: 'tool_use',
      id: 'toolu_01A',
      name: 'get_weather',
      input: { location: 'Paris' },
    });
    expect(msg.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { location: 'Oslo', unit: 'c' },
    });
    expect((msg.content[1] as { id: string }).id).toMatch(/^toolu_01[A-Za-z0-9]{22}$/);
  });

  it('streams the scripted number of text deltas in the real event order', async () => {
    provider.script({ content: 'one two three four', chunks: 4, usage: { input: 9, output: 4, cached: 2 } });
    const stream = await client.messages.create({ model: MODEL, max_tokens: 100, messages: USER, stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0];
    if (start.type !== 'message_start') throw new Error('expected message_start first');
    expect(start.message).toMatchObject({
      role: 'assistant',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 9, cache_read_input_tokens: 2, cache_creation_input_tokens: 0, output_tokens: 1 },
    });
    const texts = events.flatMap((e) =>
      e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [],
    );
    expect(texts).toHaveLength(4);
    expect(texts.join('')).toBe('one two three four');
    expect(events[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[7]).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 4 },
    });
  });

  it('messages.stream() finalMessage() assembles the scripted content and usage', async () => {
    provider.script({
      content: 'Atlantic Ocean.',
      chunks: 3,
      id: 'msg_01s',
      usage: { input: 5, output: 3, cached: 40 },
    });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 100, messages: USER });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const final = await stream.finalMessage();
    expect(deltas).toHaveLength(3);
    expect(final).toMatchObject({
      id: 'msg_01s',
      model: MODEL,
      content: [{ type: 'text', text: 'Atlantic Ocean.' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 40 },
    });
    expect(provider.requests[0].headers['x-stainless-helper-method']).toBe('stream');
  });

  it('streams tool_use input as input_json_delta fragments that assemble into the scripted arguments', async () => {
    const args = '{"location":"Paris","days":[1,2,3]}';
    provider.script({ toolCalls: [{ id: 'toolu_01B', name: 'get_weather', arguments: args }], chunks: 4 });
    const stream = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: USER,
      tools: [WEATHER_TOOL],
      stream: true,
    });
    let partial = '';
    let fragments = 0;
    const starts = [];
    for await (const event of stream) {
      if (event.type === 'content_block_start') starts.push(event.content_block);
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
        partial += event.delta.partial_json;
        fragments++;
      }
    }
    expect(starts).toEqual([{ type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: {} }]);
    expect(fragments).toBe(4);
    expect(partial).toBe(args);

    provider.script({ toolCalls: [{ id: 'toolu_01B', name: 'get_weather', arguments: args }], chunks: 4 });
    const final = await client.messages
      .stream({ model: MODEL, max_tokens: 100, messages: USER, tools: [WEATHER_TOOL] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: { location: 'Paris', days: [1, 2, 3] } },
    ]);
  });

  it('serves beta messages with thinking before the text, plain and streamed', async () => {
    provider.script({ thinking: 'Two plus two is four.', content: 'The answer is 4.', chunks: 2 });
    const msg = await client.beta.messages.create({
      model: MODEL,
      max_tokens: 2048,
      messages: [{ role: 'user', content: 'What is 2+2?' }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      betas: ['interleaved-thinking-2025-05-14'],
    });
    expect(msg.content).toHaveLength(2);
    expect(msg.content[0]).toMatchObject({ type: 'thinking', thinking: 'Two plus two is four.' });
    expect((msg.content[0] as { signature: string }).signature.length).toBeGreaterThan(0);
    expect(msg.content[1]).toMatchObject({ type: 'text', text: 'The answer is 4.' });
    expect(provider.requests[0].path).toBe('/v1/messages');
    expect(provider.requests[0].url).toBe(sdk.betaUrl);
    expect(provider.requests[0].headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');

    const stream = client.beta.messages.stream({
      model: MODEL,
      max_tokens: 2048,
      messages: [{ role: 'user', content: 'What is 2+2?' }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    const kinds: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta') kinds.push(event.delta.type);
    });
    const final = await stream.finalMessage();
    expect(kinds).toEqual(['thinking_delta', 'thinking_delta', 'signature_delta', 'text_delta', 'text_delta']);
    expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'Two plus two is four.' });
    expect(final.content[1]).toMatchObject({ type: 'text', text: 'The answer is 4.' });
  });

  it('holds the first delta back for firstChunkDelayMs but sends headers and message_start at once', async () => {
    provider.script({ firstChunkDelayMs: 400, chunkDelayMs: 10, chunks: 3 });
    const t0 = performance.now();
    const stream = await client.messages.create({ model: MODEL, max_tokens: 100, messages: USER, stream: true });
    let messageStartAt = 0;
    let firstDeltaAt = 0;
    for await (const event of stream) {
      if (event.type === 'message_start') messageStartAt = performance.now();
      if (event.type === 'content_block_delta' && !firstDeltaAt) firstDeltaAt = performance.now();
    }
    expect(firstDeltaAt - t0).toBeGreaterThanOrEqual(390);
    expect(firstDeltaAt - messageStartAt).toBeGreaterThan(100);
  });

  describe('faults', () => {
    it('rate_limit surfaces as RateLimitError 429 with retry-after and an Anthropic error body', async () => {
      provider.script({ fault: 'rate_limit', retryAfterSeconds: 7 });
      const err = (await caught(
        client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }),
      )) as v1.APIError;
      expect(err).toBeInstanceOf(sdk.errors.RateLimitError);
      expect(err.status).toBe(429);
      expect(header(err.headers, 'retry-after')).toBe('7');
      expect(header(err.headers, 'request-id')).toMatch(/^req_/);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    });

    it('server_error and unavailable surface as InternalServerError 500 / 503', async () => {
      provider.enqueue({ fault: 'server_error' }, { fault: 'unavailable' });
      const a = (await caught(client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }))) as v1.APIError;
      expect(a).toBeInstanceOf(sdk.errors.InternalServerError);
      expect(a.status).toBe(500);
      expect(a.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      const b = (await caught(client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }))) as v1.APIError;
      expect(b).toBeInstanceOf(sdk.errors.Unavailable);
      expect(b).toBeInstanceOf(sdk.errors.InternalServerError);
      expect(b.status).toBe(503);
    });

    it('overloaded surfaces as HTTP 529 overloaded_error', async () => {
      provider.script({ fault: 'overloaded' });
      const err = (await caught(
        client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }),
      )) as v1.APIError;
      expect(err).toBeInstanceOf(sdk.errors.Overloaded);
      expect(err).toBeInstanceOf(sdk.errors.InternalServerError);
      expect(err.status).toBe(529);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    });

    it('stream_error sends an SSE error event after the scripted deltas, raised as an APIError', async () => {
      provider.script({ fault: 'stream_error', faultAfterChunks: 2, chunks: 5 });
      const stream = await client.messages.create({ model: MODEL, max_tokens: 100, messages: USER, stream: true });
      let deltas = 0;
      const err = await caught(
        (async () => {
          for await (const event of stream) if (event.type === 'content_block_delta') deltas++;
        })(),
      );
      expect(deltas).toBe(2);
      expect(err).toBeInstanceOf(sdk.errors.APIError);
      expect(err.message).toContain('overloaded_error');
    });

    it('stream_error on a plain request answers 529', async () => {
      provider.script({ fault: 'stream_error' });
      const err = (await caught(
        client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }),
      )) as v1.APIError;
      expect(err.status).toBe(529);
    });

    it('a scripted status and body pass through', async () => {
      provider.enqueue(
        { status: 400 },
        { status: 404, errorBody: { type: 'error', error: { type: 'not_found_error', message: 'model: x' } } },
      );
      const a = (await caught(client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }))) as v1.APIError;
      expect(a.status).toBe(400);
      expect(a.error).toMatchObject({ error: { type: 'invalid_request_error' } });
      const b = (await caught(client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }))) as v1.APIError;
      expect(b.status).toBe(404);
      expect(b.message).toContain('model: x');
    });

    it('malformed_json fails the plain request', async () => {
      provider.script({ fault: 'malformed_json' });
      const err = await caught(client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }));
      // fetch-based SDKs raise the JSON.parse SyntaxError; v0.39's node-fetch wraps it in a FetchError.
      expect(err.name === 'SyntaxError' || /invalid json/i.test(err.message)).toBe(true);
    });

    it('malformed_sse fails the stream with a SyntaxError after the scripted deltas', async () => {
      vi.spyOn(console, 'error').mockImplementation(() => {});
      provider.script({ fault: 'malformed_sse', faultAfterChunks: 2, chunks: 5 });
      const stream = await client.messages.create({ model: MODEL, max_tokens: 100, messages: USER, stream: true });
      let deltas = 0;
      const err = await caught(
        (async () => {
          for await (const event of stream) if (event.type === 'content_block_delta') deltas++;
        })(),
      );
      expect(deltas).toBe(2);
      expect(err).toBeInstanceOf(SyntaxError);
    });

    it('reset_mid_stream cuts the connection after the scripted deltas', async () => {
      provider.script({ fault: 'reset_mid_stream', faultAfterChunks: 3, chunks: 5 });
      const stream = await client.messages.create({ model: MODEL, max_tokens: 100, messages: USER, stream: true });
      let deltas = 0;
      const err = await caught(
        (async () => {
          for await (const event of stream) if (event.type === 'content_block_delta') deltas++;
        })(),
      );
      expect(deltas).toBe(3);
      expect(err).toBeInstanceOf(Error);
    });

    it('reset_before_response surfaces as APIConnectionError', async () => {
      provider.script({ fault: 'reset_before_response' });
      const err = await caught(client.messages.create({ model: MODEL, max_tokens: 5, messages: USER }));
      expect(err).toBeInstanceOf(sdk.errors.APIConnectionError);
    });
  });
});

describe('Anthropic wire bytes', () => {
  const post = (body: unknown, script?: Script) =>
    fetch(`${provider.origin}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(script ? { 'x-fake-script': JSON.stringify(script) } : {}),
      },
      body: JSON.stringify(body),
    });

  it('frames every event as `event: X` + `data: {"type":"X",…}`, padded like the real service', async () => {
    const res = await post({ model: MODEL, max_tokens: 10, messages: [], stream: true }, { content: 'ab', chunks: 2 });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const frames = (await res.text()).split('\n\n').filter(Boolean);
    const events = frames.map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      expect(eventLine).toMatch(/^event: [a-z_]+$/);
      expect(dataLine.startsWith('data: ')).toBe(true);
      const data = JSON.parse(dataLine.slice(6));
      expect(data.type).toBe(eventLine.slice(7));
      return { event: data.type as string, text: dataLine.slice(6) };
    });
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[2].text).toBe('{"type": "ping"}');
    expect(events.some((e) => / +}$/.test(e.text))).toBe(true);
    expect(Object.keys(JSON.parse(events[0].text).message)).toEqual([
      'id',
      'type',
      'role',
      'model',
      'content',
      'stop_reason',
      'stop_sequence',
      'usage',
    ]);
  });

  it('ends a stream_error stream with the documented error event', async () => {
    const res = await post({ model: MODEL, max_tokens: 10, messages: [], stream: true }, { fault: 'stream_error' });
    const text = await res.text();
    expect(
      text.endsWith(
        'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
      ),
    ).toBe(true);
  });

  it('rejects a body without max_tokens in the Anthropic error dialect', async () => {
    const res = await post({ model: MODEL, messages: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
  });

  it('answers count_tokens with the scripted input tokens', async () => {
    const client = new AnthropicV1(opts(provider.origin));
    provider.script({ usage: { input: 42 } });
    const res = await client.messages.countTokens({ model: MODEL, messages: USER });
    expect(res.input_tokens).toBe(42);
  });

  it('does not shadow the OpenAI routes', async () => {
    const res = await fetch(`${provider.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
    });
    expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
  });
});
