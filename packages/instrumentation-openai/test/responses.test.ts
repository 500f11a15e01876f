import { PriceBook } from '@promptscope/core/provider';
import { DEFAULT_CONTENT } from '@promptscope/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyClient,
  type AnyModule,
  bothWays,
  client,
  diagnostics,
  instrumented,
  loadMajor,
  MAJORS,
  only,
  stable,
  useEnv,
} from './helpers.js';

const env = useEnv();
afterEach(() => {
  // The OTel SDK warns "Cannot execute the operation on ended Span" when a span is ended twice.
  expect(diagnostics.filter((d) => d.includes('ended'))).toEqual([]);
});

const tools = [
  {
    type: 'function',
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: false,
  },
];

describe.each(MAJORS)('%s responses', (major) => {
  let mod: AnyModule;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('records a plain response: id, model, finish reason, usage with cache and reasoning, cost', async () => {
    env.fake.script({
      model: 'gpt-4o-2024-08-06',
      id: 'resp_plain1',
      usage: { input: 200, output: 50, cached: 150, reasoning: 20 },
    });
    const res: AnyClient = await instrumented(mod, () =>
      client(mod, env.fake).responses.create({
        model: 'gpt-4o',
        input: 'hi',
        temperature: 0.3,
        max_output_tokens: 64,
        top_p: 0.8,
      }),
    );
    expect(res.output_text).toBe(DEFAULT_CONTENT);
    const span = only(env.harness.spans());
    expect(span.name).toBe('chat gpt-4o');
    expect(span.kind).toBe(2);
    const a = span.attributes;
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.provider.name']).toBe('openai');
    expect(a['openai.api.type']).toBe('responses');
    expect(a['gen_ai.request.model']).toBe('gpt-4o');
    expect(a['gen_ai.request.temperature']).toBe(0.3);
    expect(a['gen_ai.request.max_tokens']).toBe(64);
    expect(a['gen_ai.request.top_p']).toBe(0.8);
    expect(a['gen_ai.request.stream']).toBeUndefined();
    expect(a['gen_ai.response.id']).toBe('resp_plain1');
    expect(a['gen_ai.response.model']).toBe('gpt-4o-2024-08-06');
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['openai.response.service_tier']).toBe('default');
    expect(a['gen_ai.usage.input_tokens']).toBe(200);
    expect(a['gen_ai.usage.output_tokens']).toBe(50);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(150);
    expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(20);
    expect(a['promptscope.usage.source']).toBe('provider');
    const expected = new PriceBook().price('openai', 'gpt-4o-2024-08-06', {
      inputTokens: 200,
      outputTokens: 50,
      cacheReadTokens: 150,
      reasoningTokens: 20,
    });
    expect(expected.priced).toBe(true);
    if (!expected.priced) return;
    expect(a['promptscope.cost.usd']).toBeCloseTo(expected.totalUsd, 12);
    expect(a['promptscope.cost.usd']).toBeGreaterThan(0);
    expect(a['promptscope.pricing.match']).toBe(expected.match);
    expect(span.status.code).toBe(0);

    const durations = await env.harness.metricPoints('gen_ai.client.operation.duration');
    expect(durations).toHaveLength(1);
    expect(durations[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
    });
    const tokens = await env.harness.metricPoints('gen_ai.client.token.usage');
    const byType = Object.fromEntries(
      tokens.map((p) => [p.attributes['gen_ai.token.type'], (p.value as { sum: number }).sum]),
    );
    expect(byType).toEqual({ input: 200, output: 50 });
    const cost = await env.harness.metricPoints('promptscope.client.cost_usd');
    expect(cost).toHaveLength(1);
    expect(cost[0].value).toBeCloseTo(expected.totalUsd, 12);
  });

  it('records a streamed response; the caller sees the same events as without instrumentation', async () => {
    env.fake.script({
      model: 'gpt-4o-mini-2024-07-18',
      id: 'resp_stream1',
      chunks: 5,
      firstChunkDelayMs: 120,
      chunkDelayMs: 5,
      usage: { input: 33, output: 11, cached: 20, reasoning: 4 },
    });
    const scenario = async () => {
      const stream = await client(mod, env.fake).responses.create({
        model: 'gpt-4o-mini',
        input: 'hi',
        stream: true,
      });
      const events: unknown[] = [];
      for await (const event of stream) events.push(event);
      return stable(events);
    };
    const { plain, instrumented: inst } = await bothWays(mod, scenario);
    expect(plain.ok).toBe(true);
    expect(inst).toEqual(plain);
    const types = (plain as { value: { type: string }[] }).value.map((e) => e.type);
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(5);
    expect(types.at(-1)).toBe('response.completed');

    const span = only(env.harness.spans());
    const a = span.attributes;
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(a['openai.api.type']).toBe('responses');
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['gen_ai.response.id']).toBe('resp_stream1');
    expect(a['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18');
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['gen_ai.usage.input_tokens']).toBe(33);
    expect(a['gen_ai.usage.output_tokens']).toBe(11);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(20);
    expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(4);
    expect(a['promptscope.usage.source']).toBe('provider');
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['promptscope.stream.chunks']).toBe(5);
    expect(a['promptscope.cost.usd']).toBeGreaterThan(0);
    const ttfc = a['gen_ai.response.time_to_first_chunk'] as number;
    expect(ttfc).toBeGreaterThanOrEqual(0.12);
    expect(ttfc).toBeLessThan(0.12 + 0.1);
    const ttfcMetric = await env.harness.metricPoints('gen_ai.client.operation.time_to_first_chunk');
    expect(ttfcMetric).toHaveLength(1);
    expect((ttfcMetric[0].value as { sum: number }).sum).toBeCloseTo(ttfc, 6);
    expect(span.status.code).toBe(0);
  });

  it('covers the responses.stream() helper with one span, and its final response matches', async () => {
    env.fake.script({ chunks: 4, usage: { input: 5, output: 4 }, id: 'resp_helper1' });
    const run = async () => {
      const runner = client(mod, env.fake).responses.stream({ model: 'gpt-4o-mini', input: 'hi' });
      const deltas: string[] = [];
      runner.on('response.output_text.delta', (e: { delta: string }) => deltas.push(e.delta));
      const final = await runner.finalResponse();
      return stable({ deltas, final });
    };
    const { plain, instrumented: inst } = await bothWays(mod, run);
    expect(plain.ok).toBe(true);
    expect(inst).toEqual(plain);
    // openai v4/v5 do not add `output_text` to the helper's final response: read the output item.
    const final = (plain as { value: { final: { output: { content: { text: string }[] }[] } } }).value.final;
    expect(final.output[0].content[0].text).toBe(DEFAULT_CONTENT);
    const span = only(env.harness.spans());
    const a = span.attributes;
    expect(a['gen_ai.response.id']).toBe('resp_helper1');
    expect(a['gen_ai.usage.input_tokens']).toBe(5);
    expect(a['gen_ai.usage.output_tokens']).toBe(4);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['http.response.status_code']).toBe(200);
  });

  it('records function calls as finish reason tool_call, plain and streamed', async () => {
    env.fake.script({ toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const c = client(mod, env.fake);
    const plain: AnyClient = await instrumented(mod, () =>
      c.responses.create({ model: 'gpt-4o', input: 'weather?', tools }),
    );
    expect(plain.output[0].type).toBe('function_call');
    expect(plain.output[0].arguments).toBe('{"city":"Paris"}');
    let args = '';
    await instrumented(mod, async () => {
      const stream = await c.responses.create({ model: 'gpt-4o', input: 'weather?', tools, stream: true });
      for await (const e of stream) if (e.type === 'response.function_call_arguments.delta') args += e.delta;
    });
    expect(args).toBe('{"city":"Paris"}');
    const [s1, s2] = env.harness.spans();
    expect(env.harness.spans()).toHaveLength(2);
    expect(s1.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_call']);
    expect(s2.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_call']);
    expect(s2.attributes['promptscope.stream.chunks']).toBeGreaterThan(0);
    expect(typeof s2.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
  });

  it('with captureContent, records instructions, input and output as valid JSON', async () => {
    env.fake.script({ content: 'Bonjour PROMPTSCOPE-OUT.' });
    const instructions = 'You are PROMPTSCOPE-INSTR, answer in French.';
    await instrumented(
      mod,
      () => client(mod, env.fake).responses.create({ model: 'gpt-4o-mini', instructions, input: 'Say hello', tools }),
      { captureContent: true },
    );
    const a = only(env.harness.spans()).attributes;
    expect(JSON.parse(a['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: instructions }]);
    expect(JSON.parse(a['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Say hello' }] },
    ]);
    expect(JSON.parse(a['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Bonjour PROMPTSCOPE-OUT.' }], finish_reason: 'stop' },
    ]);
    const defs = JSON.parse(a['gen_ai.tool.definitions'] as string);
    expect(defs).toHaveLength(1);
    expect(defs[0]).toMatchObject({ type: 'function', name: 'get_weather' });
    expect(a['promptscope.content.truncated']).toBeUndefined();
  });

  it('with captureContent, records streamed output too', async () => {
    env.fake.script({ content: 'streamed PROMPTSCOPE-OUT', chunks: 3 });
    await instrumented(
      mod,
      async () => {
        const stream = await client(mod, env.fake).responses.create({
          model: 'gpt-4o-mini',
          instructions: 'be brief',
          input: 'Say hello',
          stream: true,
        });
        for await (const _ of stream);
      },
      { captureContent: true },
    );
    const a = only(env.harness.spans()).attributes;
    expect(JSON.parse(a['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'be brief' }]);
    expect(JSON.parse(a['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'streamed PROMPTSCOPE-OUT' }], finish_reason: 'stop' },
    ]);
  });

  it('without captureContent, records no content attributes', async () => {
    env.fake.script({});
    await instrumented(mod, () =>
      client(mod, env.fake).responses.create({ model: 'gpt-4o-mini', instructions: 'x', input: 'y' }),
    );
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.system_instructions']).toBeUndefined();
    expect(a['gen_ai.input.messages']).toBeUndefined();
    expect(a['gen_ai.output.messages']).toBeUndefined();
  });

  // BUG (src/responses.ts responsesFinishReason): an `incomplete` response with reason `max_output_tokens` is
  // recorded on the span as 'max_output_tokens', while responses-content.ts maps it to 'length' for the output message.
  it('records an incomplete response with the same finish reason on the span and in the output message', async () => {
    env.fake.script({ finishReason: 'length' });
    await instrumented(mod, () => client(mod, env.fake).responses.create({ model: 'gpt-4o-mini', input: 'y' }), {
      captureContent: true,
    });
    const a = only(env.harness.spans()).attributes;
    const out = JSON.parse(a['gen_ai.output.messages'] as string) as { finish_reason: string }[];
    expect(out[0].finish_reason).toBe('length');
    expect(a['gen_ai.response.finish_reasons']).toEqual([out[0].finish_reason]);
  });
});
