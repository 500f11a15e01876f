import OpenAIv4 from 'openai-v4';
import OpenAI, { APIConnectionError, InternalServerError, RateLimitError } from 'openai-v6';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT, type FakeProvider, startFakeProvider } from '../src/index.js';

let provider: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  provider = await startFakeProvider();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: provider.url, maxRetries: 0 });
});
afterEach(() => provider.reset());
afterAll(() => provider.close());

describe('chat completions', () => {
  it('returns the scripted content, usage, model and id', async () => {
    provider.script({
      content: 'Atlantic Ocean.',
      model: 'gpt-4o-mini-2024-07-18',
      id: 'chatcmpl-abc',
      usage: { input: 22, output: 3, cached: 4, reasoning: 1 },
    });
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Which ocean contains Bouvet Island?' }],
    });
    expect(res.id).toBe('chatcmpl-abc');
    expect(res.model).toBe('gpt-4o-mini-2024-07-18');
    expect(res.choices[0].message).toMatchObject({ role: 'assistant', content: 'Atlantic Ocean.' });
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({
      prompt_tokens: 22,
      completion_tokens: 3,
      total_tokens: 25,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 1 },
    });
    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini' },
    });
    expect(provider.requests[0].headers.authorization).toBe('Bearer sk-test');
  });

  it('defaults to echoing the request model and a generated chatcmpl id', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.model).toBe('gpt-4.1');
    expect(res.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(res.choices[0].message.content).toBe(DEFAULT_CONTENT);
  });

  it('returns plain tool calls with finish_reason tool_calls', async () => {
    provider.script({ toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris"}' }] });
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(res.choices[0].message.content).toBeNull();
    expect(res.choices[0].message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
    ]);
  });

  it('streams the scripted number of content chunks, without usage unless requested', async () => {
    provider.script({ content: 'one two three four', chunks: 4 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(contentChunks).toHaveLength(4);
    expect(contentChunks.map((c) => c.choices[0].delta.content).join('')).toBe('one two three four');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
    for (const chunk of chunks) expect('usage' in chunk).toBe(false);
  });

  it('adds usage: null to every chunk and a final usage-only chunk when include_usage is set', async () => {
    provider.script({ chunks: 3, usage: { input: 10, output: 3 } });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.filter((c) => c.choices[0]?.delta.content)).toHaveLength(3);
  });

  it('speaks the recorded SSE framing byte for byte', async () => {
    provider.script({ content: 'ab', chunks: 2, id: 'chatcmpl-x' });
    const res = await fetch(`${provider.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [], stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await res.text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.every((f) => f.startsWith('data: '))).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const first = JSON.parse(frames[0].slice(6));
    expect(Object.keys(first)).toEqual([
      'id',
      'object',
      'created',
      'model',
      'service_tier',
      'system_fingerprint',
      'choices',
      'usage',
    ]);
    expect(first.choices[0]).toEqual({
      index: 0,
      delta: { role: 'assistant', content: '', refusal: null },
      logprobs: null,
      finish_reason: null,
    });
  });

  it('streams tool calls as an id/name header delta followed by argument fragments', async () => {
    const args = '{"location":"New York City"}';
    provider.script({
      chunks: 4,
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: args },
        { id: 'call_b', name: 'get_time', arguments: '{}' },
      ],
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'weather?' }],
      stream: true,
    });
    const deltas = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.tool_calls) deltas.push(...chunk.choices[0].delta.tool_calls);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(deltas[0]).toEqual({
      index: 0,
      id: 'call_a',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    const fragments = deltas.filter((d) => d.index === 0 && !d.id);
    expect(fragments).toHaveLength(4);
    expect(fragments.map((d) => d.function?.arguments).join('')).toBe(args);
    expect(deltas.find((d) => d.index === 1 && d.id)).toMatchObject({ id: 'call_b', function: { name: 'get_time' } });
    expect(finish).toBe('tool_calls');
  });

  it('holds the first chunk back for firstChunkDelayMs but sends headers at once', async () => {
    provider.script({ firstChunkDelayMs: 300, chunkDelayMs: 10, chunks: 3 });
    const started = performance.now();
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    expect(response.status).toBe(200);
    // Headers arrive long before the first chunk is due, even on a busy machine.
    expect(performance.now() - started).toBeLessThan(250);
    let firstAt: number | undefined;
    for await (const _chunk of stream) firstAt ??= performance.now();
    // Timers may fire a millisecond early relative to performance.now(); allow 5 ms of slack.
    expect((firstAt ?? 0) - provider.requests[0].at).toBeGreaterThanOrEqual(295);
    expect(performance.now() - started).toBeGreaterThanOrEqual(315);
  });

  it('delays a plain response by responseDelayMs', async () => {
    provider.script({ responseDelayMs: 100 });
    const started = performance.now();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('serves multiple choices when n > 1', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      n: 2,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices.map((c) => c.index)).toEqual([0, 1]);
  });

  it('serves the Azure deployment path', async () => {
    const res = await fetch(`${provider.origin}/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'azure-key' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await res.json()) as { model: string };
    expect(body.model).toBe('my-gpt');
    expect(provider.requests[0].path).toBe('/openai/deployments/my-gpt/chat/completions');
    expect(provider.requests[0].url).toContain('api-version=2024-10-21');
  });

  it('works with the openai v4 SDK too', async () => {
    provider.script({ content: 'from v4', chunks: 2 });
    const v4 = new OpenAIv4({ apiKey: 'sk-test', baseURL: provider.url, maxRetries: 0 });
    const res = await v4.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0].message.content).toBe('from v4');
    const stream = await v4.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('from v4');
    expect(usage).toMatchObject({ prompt_tokens: 12 });
    await expect(
      v4.chat.completions.create(
        { model: 'm', messages: [], ...({} as object) },
        { headers: { 'x-fake-script': '{"fault":"rate_limit"}' } },
      ),
    ).rejects.toBeInstanceOf(OpenAIv4.RateLimitError);
  });
});

describe('scripting', () => {
  it('consumes enqueued scripts in order before the default, and lets x-fake-script override', async () => {
    provider.script(({ index }) => ({ content: `default ${index}` }));
    provider.enqueue({ content: 'first' }, { content: 'second' });
    const ask = (headers?: Record<string, string>) =>
      client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers })
        .then((r) => r.choices[0].message.content);
    expect(await ask()).toBe('first');
    expect(await ask({ 'x-fake-script': JSON.stringify({ model: 'override' }) })).toBe('second');
    expect(await ask()).toBe('default 2');
    expect(await ask({ 'x-fake-script': JSON.stringify({ content: 'header' }) })).toBe('header');
    expect(provider.requests[1].script).toEqual({ content: 'second', model: 'override' });
  });

  it('rejects a malformed x-fake-script header with a 400 that says what to send', async () => {
    const err = await client.chat.completions
      .create({ model: 'm', messages: [] }, { headers: { 'x-fake-script': '{oops' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain('x-fake-script header is not valid JSON');
  });

  it('answers unknown routes with an OpenAI-style 404', async () => {
    const res = await fetch(`${provider.url}/nope`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Invalid URL (POST /v1/nope)');
  });
});

describe('responses', () => {
  it('returns a plain response with output_text and usage', async () => {
    provider.script({ content: 'Atlantic Ocean.', usage: { input: 22, output: 3, cached: 2, reasoning: 1 } });
    const res = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'Which ocean?',
      instructions: 'Be brief.',
    });
    expect(res.id).toMatch(/^resp_[0-9a-f]{50}$/);
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe('Atlantic Ocean.');
    expect(res.instructions).toBe('Be brief.');
    expect(res.usage).toMatchObject({
      input_tokens: 22,
      output_tokens: 3,
      total_tokens: 25,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens_details: { reasoning_tokens: 1 },
    });
  });

  it('streams the real event sequence with sequence numbers', async () => {
    provider.script({ content: 'South Atlantic Ocean.', chunks: 3 });
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'Which ocean?', stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('stream did not end with response.completed');
    expect(completed.response.output[0]).toMatchObject({
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', text: 'South Atlantic Ocean.' }],
    });
    expect(completed.response.usage?.total_tokens).toBe(19);
    expect(
      events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
    ).toBe('South Atlantic Ocean.');
  });

  it('names every SSE frame with an event: line', async () => {
    const res = await fetch(`${provider.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'hi', stream: true }),
    });
    const frames = (await res.text()).split('\n\n').filter(Boolean);
    for (const frame of frames) {
      const [eventLine, dataLine] = frame.split('\n');
      expect(eventLine).toMatch(/^event: response\./);
      expect(JSON.parse(dataLine.slice(6)).type).toBe(eventLine.slice(7));
    }
  });

  it('returns and streams function calls', async () => {
    const toolCalls = [{ id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris, France"}' }];
    provider.script({ toolCalls, chunks: 3 });
    const plain = await client.responses.create({ model: 'gpt-4o-mini', input: 'weather?' });
    expect(plain.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: toolCalls[0].arguments,
      }),
    ]);

    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'weather?' });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.filter((t) => t === 'response.function_call_arguments.delta')).toHaveLength(3);
    expect(types).toContain('response.function_call_arguments.done');
    const final = await stream.finalResponse();
    expect(final.output[0]).toMatchObject({
      type: 'function_call',
      arguments: toolCalls[0].arguments,
      status: 'completed',
    });
  });
});

describe('embeddings', () => {
  it('returns float vectors of the scripted size', async () => {
    provider.script({ embeddingDimensions: 4, usage: { input: 8 } });
    const res = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(res.data).toHaveLength(2);
    expect(res.data[0].embedding).toHaveLength(4);
    expect(res.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(res.model).toBe('text-embedding-3-small');
  });

  it('returns base64 when asked, which the SDK decodes to the same numbers', async () => {
    const asFloat = await client.embeddings.create({ model: 'e', input: 'same text', encoding_format: 'float' });
    // Without encoding_format the SDK requests base64 and decodes it itself.
    const viaDefault = await client.embeddings.create({ model: 'e', input: 'same text' });
    expect(provider.requests[1].body.encoding_format).toBe('base64');
    expect(viaDefault.data[0].embedding).toEqual(asFloat.data[0].embedding);
    expect(asFloat.data[0].embedding).toHaveLength(8);
  });
});

describe('faults', () => {
  const ask = () =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

  it('rate_limit surfaces as RateLimitError with retry-after', async () => {
    provider.script({ fault: 'rate_limit', retryAfterSeconds: 7 });
    const err = (await ask().catch((e: unknown) => e)) as InstanceType<typeof RateLimitError>;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('requests');
  });

  it('server_error and unavailable surface as InternalServerError 500 / 503', async () => {
    provider.enqueue({ fault: 'server_error' }, { fault: 'unavailable' });
    const first = (await ask().catch((e: unknown) => e)) as InstanceType<typeof InternalServerError>;
    const second = (await ask().catch((e: unknown) => e)) as InstanceType<typeof InternalServerError>;
    expect(first).toBeInstanceOf(InternalServerError);
    expect(first.status).toBe(500);
    expect(second).toBeInstanceOf(InternalServerError);
    expect(second.status).toBe(503);
  });

  it('overloaded answers 529 and stream_error sends an OpenAI-style error frame mid-stream', async () => {
    provider.script({ fault: 'overloaded' });
    const overloaded = (await ask().catch((e: unknown) => e)) as InstanceType<typeof InternalServerError>;
    expect(overloaded).toBeInstanceOf(InternalServerError);
    expect(overloaded.status).toBe(529);

    provider.script({ fault: 'stream_error', faultAfterChunks: 2, chunks: 5 });
    const received: string[] = [];
    const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true });
    const err = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(received.filter(Boolean)).toHaveLength(2);
  });

  it('a scripted status and body pass through', async () => {
    provider.script({
      status: 400,
      errorBody: { error: { message: 'bad tool schema', type: 'invalid_request_error', param: 'tools', code: null } },
    });
    const err = (await ask().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('tools');
  });

  it('malformed_json surfaces as a SyntaxError', async () => {
    provider.script({ fault: 'malformed_json' });
    await expect(ask()).rejects.toBeInstanceOf(SyntaxError);
  });

  it('malformed_sse fails the stream after the scripted chunks', async () => {
    provider.script({ fault: 'malformed_sse', faultAfterChunks: 2, chunks: 5 });
    const received: string[] = [];
    // The SDK logs the unparsable line before throwing; keep test output clean.
    const quiet = new OpenAI({ apiKey: 'k', baseURL: provider.url, maxRetries: 0, logLevel: 'off' });
    const stream = await quiet.chat.completions.create({ model: 'm', messages: [], stream: true });
    const err = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyntaxError);
    expect(received.filter(Boolean)).toHaveLength(2);
  });

  it('reset_mid_stream cuts the connection after the scripted chunks', async () => {
    provider.script({ fault: 'reset_mid_stream', faultAfterChunks: 3 });
    const received: string[] = [];
    const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true });
    const err = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    // The SDK does not wrap body-read failures: undici's own TypeError('terminated') reaches the caller.
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('terminated');
    expect(received.filter(Boolean)).toHaveLength(3);
  });

  it('reset_mid_stream on a plain request cuts the JSON body', async () => {
    provider.script({ fault: 'reset_mid_stream' });
    await expect(ask()).rejects.toThrow('terminated');
  });

  it('reset_before_response surfaces as APIConnectionError', async () => {
    provider.script({ fault: 'reset_before_response' });
    await expect(ask()).rejects.toBeInstanceOf(APIConnectionError);
  });

  it('faults apply to the Responses API too', async () => {
    provider.script({ fault: 'rate_limit' });
    await expect(client.responses.create({ model: 'm', input: 'hi' })).rejects.toBeInstanceOf(RateLimitError);
  });
});

describe('lifecycle', () => {
  it('binds to 127.0.0.1 and close() ends open streams', async () => {
    const p = await startFakeProvider({ defaultScript: { chunkDelayMs: 1000, chunks: 5 } });
    expect(p.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const c = new OpenAI({ apiKey: 'k', baseURL: p.url, maxRetries: 0 });
    const stream = await c.chat.completions.create({ model: 'm', messages: [], stream: true });
    const consumed = (async () => {
      for await (const _ of stream) {
        /* drain */
      }
    })().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await p.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await consumed).toBeInstanceOf(Error);
  });
});
