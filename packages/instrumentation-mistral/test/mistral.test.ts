import { calcPrice } from '@pydantic/genai-prices';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Any,
  API_KEY,
  client,
  diagnostics,
  instrumented,
  loadMajor,
  MAJORS,
  MODEL,
  only,
  useEnv,
} from './helpers.js';

const env = useEnv();
afterEach(() => {
  expect(diagnostics).toEqual([]);
});

/** genai-prices' own per-million rates for `model` under Mistral's provider id, applied here rather than by core. */
function listPrice(model: string, input: number, output: number): number {
  const price = calcPrice({}, model, { providerId: 'mistral' })?.model_price;
  if (price === undefined) throw new Error(`genai-prices has no mistral/${model}`);
  const { input_mtok, output_mtok } = price;
  if (typeof input_mtok !== 'number' || typeof output_mtok !== 'number') throw new Error('expected flat prices');
  return (input * input_mtok + output * output_mtok) / 1e6;
}

const user = [{ role: 'user', content: 'What is the weather in Paris?' }];
const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const CALL = { id: 'D681PevKs', name: 'get_weather', arguments: '{"city": "Paris"}' };

describe.each(MAJORS)('%s', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('chat.complete: provider, camelCase request parameters, tokens, finish reason, id, model and list price', async () => {
    env.fake.script({ usage: { input: 1500, output: 220 }, model: 'mistral-small-2506', id: 'cmpl-fixed-id' });
    const res = await instrumented(mod, () =>
      client(mod, env.fake).chat.complete({
        model: MODEL,
        messages: user,
        temperature: 0.3,
        topP: 0.9,
        maxTokens: 128,
        randomSeed: 42,
        stop: ['\n\n'],
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
      }),
    );
    expect(res.choices[0].message.content).toBe('Hello from the fake provider.');
    // The SDK sent snake_case: what we read was the caller's camelCase.
    expect(env.fake.requests[0].body).toMatchObject({ top_p: 0.9, max_tokens: 128, random_seed: 42 });
    const span = only(env.harness.spans());
    const a = span.attributes;
    expect(span.name).toBe(`chat ${MODEL}`);
    expect(a['gen_ai.provider.name']).toBe('mistral_ai');
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.request.temperature']).toBe(0.3);
    expect(a['gen_ai.request.top_p']).toBe(0.9);
    expect(a['gen_ai.request.max_tokens']).toBe(128);
    expect(a['gen_ai.request.seed']).toBe(42);
    expect(a['gen_ai.request.stop_sequences']).toEqual(['\n\n']);
    expect(a['gen_ai.request.presence_penalty']).toBe(0.1);
    expect(a['gen_ai.request.frequency_penalty']).toBe(0.2);
    expect(a['gen_ai.response.id']).toBe('cmpl-fixed-id');
    expect(a['gen_ai.response.model']).toBe('mistral-small-2506');
    expect(a['gen_ai.usage.input_tokens']).toBe(1500);
    expect(a['gen_ai.usage.output_tokens']).toBe(220);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['server.address']).toBe('127.0.0.1');
    expect(a['server.port']).toBe(Number(new URL(env.fake.origin).port));
    // Priced by the request's model when the response's dated name is unknown to genai-prices, or by either.
    expect(a['promptscope.cost.usd']).toBeCloseTo(
      listPrice(String(a['promptscope.pricing.match']).split('/')[1], 1500, 220),
      12,
    );
  });

  it.each(['stop', 'length', 'tool_calls', 'model_length', 'error'])(
    'finish reason %s, plain and streamed',
    async (reason) => {
      env.fake.script({ finishReason: reason });
      await instrumented(mod, async () => {
        const c = client(mod, env.fake);
        await c.chat.complete({ model: MODEL, messages: user });
        for await (const _ of await c.chat.stream({ model: MODEL, messages: user }));
      });
      const spans = env.harness.spans();
      expect(spans.map((s) => s.attributes['gen_ai.response.finish_reasons'])).toEqual([[reason], [reason]]);
    },
  );

  it('chat.stream: usage from the last chunk, chunks counted, TTFT as the caller saw the first chunk', async () => {
    env.fake.script({
      chunks: 5,
      firstChunkDelayMs: 120,
      chunkDelayMs: 5,
      usage: { input: 30, cached: 10, output: 22 },
    });
    let text = '';
    let firstSeen: number | undefined;
    await instrumented(mod, async () => {
      const started = performance.now();
      const stream = await client(mod, env.fake).chat.stream({ model: MODEL, messages: user });
      for await (const event of stream) {
        const piece = event.data.choices[0]?.delta?.content;
        if (typeof piece === 'string' && piece !== '') {
          firstSeen ??= (performance.now() - started) / 1000;
          text += piece;
        }
      }
    });
    expect(text).toBe('Hello from the fake provider.');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['promptscope.stream.chunks']).toBe(5);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    // Mistral's prompt tokens include the cached ones.
    expect(a['gen_ai.usage.input_tokens']).toBe(30);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(10);
    expect(a['gen_ai.usage.output_tokens']).toBe(22);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const ttfc = a['gen_ai.response.time_to_first_chunk'] as number;
    expect(ttfc).toBeGreaterThanOrEqual(0.12);
    expect(Math.abs(ttfc - (firstSeen as number))).toBeLessThan(0.002);
  });

  it('tool calls, plain: the SDK’s object unchanged, the call on the output message when captured', async () => {
    env.fake.script({ toolCalls: [CALL] });
    const res = await instrumented(
      mod,
      () => client(mod, env.fake).chat.complete({ model: MODEL, messages: user, tools: [WEATHER_TOOL] }),
      { captureContent: true },
    );
    expect(res.choices[0].finishReason).toBe('tool_calls');
    expect(res.choices[0].message.toolCalls[0].function).toEqual({ name: 'get_weather', arguments: CALL.arguments });
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    const [out] = JSON.parse(a['gen_ai.output.messages'] as string);
    expect(out.finish_reason).toBe('tool_calls');
    expect(out.parts).toContainEqual({
      type: 'tool_call',
      id: CALL.id,
      name: 'get_weather',
      arguments: { city: 'Paris' },
    });
    expect(JSON.parse(a['gen_ai.tool.definitions'] as string)).toEqual([
      {
        type: 'function',
        name: 'get_weather',
        description: 'Current weather for a city',
        parameters: WEATHER_TOOL.function.parameters,
      },
    ]);
  });

  it('tool calls, streamed: one whole call in a delta, rebuilt on the output message', async () => {
    env.fake.script({ toolCalls: [CALL], usage: { input: 80, output: 19 } });
    const calls: Any[] = [];
    await instrumented(
      mod,
      async () => {
        const stream = await client(mod, env.fake).chat.stream({ model: MODEL, messages: user, tools: [WEATHER_TOOL] });
        for await (const event of stream) calls.push(...(event.data.choices[0]?.delta?.toolCalls ?? []));
      },
      { captureContent: true },
    );
    expect(calls.map((c) => c.function.name)).toEqual(['get_weather']);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(a['gen_ai.usage.output_tokens']).toBe(19);
    expect(a['promptscope.stream.chunks']).toBe(1);
    const [out] = JSON.parse(a['gen_ai.output.messages'] as string);
    expect(out.parts).toEqual([{ type: 'tool_call', id: CALL.id, name: 'get_weather', arguments: { city: 'Paris' } }]);
  });

  it('a tool result in the conversation is a tool_call_response part', async () => {
    env.fake.script({});
    await instrumented(
      mod,
      () =>
        client(mod, env.fake).chat.complete({
          model: MODEL,
          messages: [
            ...user,
            {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: CALL.id, function: { name: CALL.name, arguments: CALL.arguments } }],
            },
            { role: 'tool', name: 'get_weather', toolCallId: CALL.id, content: '18°C, sunny' },
          ],
        }),
      { captureContent: true },
    );
    const input = JSON.parse(only(env.harness.spans()).attributes['gen_ai.input.messages'] as string);
    expect(input[1].parts).toContainEqual({
      type: 'tool_call',
      id: CALL.id,
      name: CALL.name,
      arguments: { city: 'Paris' },
    });
    expect(input[2]).toEqual({
      role: 'tool',
      parts: [{ type: 'tool_call_response', id: CALL.id, response: '18°C, sunny' }],
    });
  });

  it('embeddings.create: operation, input tokens, dimensions and cost; no content even when captured', async () => {
    env.fake.script({ usage: { input: 9 }, embeddingDimensions: 16 });
    const res = await instrumented(
      mod,
      () => client(mod, env.fake).embeddings.create({ model: 'mistral-embed', inputs: ['PRIVATE-embed-text', 'b'] }),
      { captureContent: true },
    );
    expect(res.data).toHaveLength(2);
    expect(env.fake.requests[0].body.input).toEqual(['PRIVATE-embed-text', 'b']);
    const span = only(env.harness.spans());
    const a = span.attributes;
    expect(span.name).toBe('embeddings mistral-embed');
    expect(a['gen_ai.operation.name']).toBe('embeddings');
    expect(a['gen_ai.provider.name']).toBe('mistral_ai');
    expect(a['gen_ai.usage.input_tokens']).toBe(9);
    expect(a['gen_ai.embeddings.dimension.count']).toBe(16);
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice('mistral-embed', 9, 0), 12);
    expect(JSON.stringify(a)).not.toContain('PRIVATE-embed-text');
  });

  it('the API key never reaches the span, with content captured', async () => {
    env.fake.script({});
    await instrumented(mod, () => client(mod, env.fake).chat.complete({ model: MODEL, messages: user }), {
      captureContent: true,
    });
    expect(env.fake.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    const span = only(env.harness.spans());
    expect(JSON.stringify({ attributes: span.attributes, events: span.events })).not.toContain(API_KEY);
  });
});

// 2.x traces itself once its telemetry is configured; `MISTRAL_SDK_TELEMETRY=global` sends its spans to the
// global tracer provider, which is the harness here.
describe('mistral-v2 traces itself', () => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor('mistral-v2');
  });
  afterEach(() => {
    delete process.env.MISTRAL_SDK_TELEMETRY;
  });
  const calls = async (c: Any) => {
    await c.chat.complete({ model: MODEL, messages: user });
    for await (const _ of await c.chat.stream({ model: MODEL, messages: user }));
    await c.embeddings.create({ model: 'mistral-embed', inputs: ['x'] });
  };

  it('without promptscope the SDK makes its own spans (so the next test means something)', async () => {
    process.env.MISTRAL_SDK_TELEMETRY = 'global';
    env.fake.script({});
    await calls(client(mod, env.fake));
    const names = env.harness.spans().map((s) => s.instrumentationScope.name);
    expect(names).toEqual(['mistralai_sdk_tracer', 'mistralai_sdk_tracer', 'mistralai_sdk_tracer']);
  });

  it('with promptscope: exactly one span per call, ours, carrying the tokens once', async () => {
    process.env.MISTRAL_SDK_TELEMETRY = 'global';
    env.fake.script({ usage: { input: 5, output: 3 } });
    await instrumented(mod, () => calls(client(mod, env.fake)));
    const spans = env.harness.spans();
    expect(spans.map((s) => s.instrumentationScope.name)).toEqual([
      '@promptscope/instrumentation-mistral',
      '@promptscope/instrumentation-mistral',
      '@promptscope/instrumentation-mistral',
    ]);
    const tokens = await env.harness.metricPoints('gen_ai.client.token.usage');
    const output = tokens.filter((p) => p.attributes['gen_ai.token.type'] === 'output');
    expect(output.reduce((sum, p) => sum + (p.value as { sum: number }).sum, 0)).toBe(6);
  });

  it('with promptscope, the SDK still traces the operations we do not cover (here fim)', async () => {
    process.env.MISTRAL_SDK_TELEMETRY = 'global';
    env.fake.script({});
    await instrumented(mod, async () => {
      const c = client(mod, env.fake);
      await c.chat.complete({ model: MODEL, messages: user });
      // The fake has no FIM route: the SDK's error is expected, its span is what we look for.
      await c.fim.complete({ model: 'codestral-latest', prompt: 'def f(' }).catch(() => undefined);
    });
    const names = env.harness.spans().map((s) => s.instrumentationScope.name);
    expect(names.sort()).toEqual(['@promptscope/instrumentation-mistral', 'mistralai_sdk_tracer']);
  });
});
