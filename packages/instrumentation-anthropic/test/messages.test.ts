import { PriceBook } from '@promptscope/core/provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Any, client, instrumented, loadMajor, MAJORS, only, useEnv } from './helpers.js';

const env = useEnv();
const messages = [{ role: 'user', content: 'Hello' }];

describe.each(MAJORS)('%s messages', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });
  const create = (body: Record<string, unknown> = {}) =>
    client(mod, env.fake).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, messages, ...body });

  it('records a plain message: tokens in the conventions’ partition, cache write priced', async () => {
    env.fake.script({
      id: 'msg_plain1',
      model: 'claude-sonnet-4-5-20250929',
      usage: { input: 100, cached: 2000, cacheWrite: 300, output: 50 },
    });
    const res = await instrumented(mod, () => create({ temperature: 0.3, top_k: 40, stop_sequences: ['###'] }));
    expect(res.content[0].type).toBe('text');
    const span = only(env.harness.spans());
    expect(span.name).toBe('chat claude-sonnet-4-5');
    const a = span.attributes;
    expect(a['gen_ai.provider.name']).toBe('anthropic');
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.request.model']).toBe('claude-sonnet-4-5');
    expect(a['gen_ai.request.max_tokens']).toBe(256);
    expect(a['gen_ai.request.temperature']).toBe(0.3);
    expect(a['gen_ai.request.top_k']).toBe(40);
    expect(a['gen_ai.request.stop_sequences']).toEqual(['###']);
    expect(a['server.address']).toBe('127.0.0.1');
    expect(a['server.port']).toBe(env.fake.port);
    expect(a['gen_ai.response.id']).toBe('msg_plain1');
    expect(a['gen_ai.response.model']).toBe('claude-sonnet-4-5-20250929');
    expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    // Anthropic's input_tokens excludes the cache; the conventions' input includes reads and writes.
    expect(a['gen_ai.usage.input_tokens']).toBe(2400);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(2000);
    expect(a['gen_ai.usage.cache_creation.input_tokens']).toBe(300);
    expect(a['gen_ai.usage.output_tokens']).toBe(50);
    const expected = new PriceBook().price('anthropic', 'claude-sonnet-4-5-20250929', {
      inputTokens: 2400,
      cacheReadTokens: 2000,
      cacheWriteTokens: 300,
      outputTokens: 50,
    });
    expect(expected.priced).toBe(true);
    if (expected.priced) expect(a['promptscope.cost.usd']).toBeCloseTo(expected.totalUsd, 12);
    const allUncached = new PriceBook().price('anthropic', 'claude-sonnet-4-5-20250929', {
      inputTokens: 2400,
      outputTokens: 50,
    });
    if (expected.priced && allUncached.priced) expect(expected.totalUsd).not.toBeCloseTo(allUncached.totalUsd, 6);
  });

  it('records a stream: time to first token from the request, usage from message_start and message_delta', async () => {
    env.fake.script({
      chunks: 5,
      firstChunkDelayMs: 120,
      chunkDelayMs: 5,
      usage: { input: 30, cached: 10, output: 22 },
    });
    let text = '';
    await instrumented(mod, async () => {
      const stream = await create({ stream: true });
      for await (const event of stream) if (event.type === 'content_block_delta') text += event.delta.text ?? '';
    });
    expect(text).toBe('Hello from the fake provider.');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['promptscope.stream.chunks']).toBe(5);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['gen_ai.usage.input_tokens']).toBe(40);
    expect(a['gen_ai.usage.output_tokens']).toBe(22);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    const ttfc = a['gen_ai.response.time_to_first_chunk'] as number;
    expect(ttfc).toBeGreaterThanOrEqual(0.12);
    expect(ttfc).toBeLessThan(0.12 + 0.15);
    expect(await env.harness.metricPoints('gen_ai.client.operation.time_to_first_chunk')).toHaveLength(1);
  });

  it('covers the stream() helper and finalMessage() with one span', async () => {
    env.fake.script({ chunks: 4, usage: { input: 8, output: 6 } });
    const run = async () => {
      const stream = client(mod, env.fake).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages });
      const texts: string[] = [];
      stream.on('text', (t: string) => texts.push(t));
      const final = await stream.finalMessage();
      return { texts, content: final.content, usage: final.usage, stop: final.stop_reason };
    };
    const plain = await run();
    await env.harness.reset();
    const inst = await instrumented(mod, run);
    expect(inst).toEqual(plain);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.usage.output_tokens']).toBe(6);
    expect(a['promptscope.stream.outcome']).toBe('completed');
  });

  it('records tool use, plain and streamed', async () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } }];
    env.fake.script({ toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const plain = await instrumented(mod, () => create({ tools }));
    expect(plain.content.find((b: Any) => b.type === 'tool_use').input).toEqual({ city: 'Paris' });
    let json = '';
    await instrumented(mod, async () => {
      for await (const e of await create({ tools, stream: true })) {
        if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') json += e.delta.partial_json;
      }
    });
    expect(JSON.parse(json)).toEqual({ city: 'Paris' });
    const [s1, s2] = env.harness.spans();
    expect(s1.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_use']);
    expect(s2.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_use']);
    expect(typeof s2.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
  });

  it('records beta.messages, with thinking', async () => {
    env.fake.script({ thinking: 'Let me think.', usage: { input: 12, output: 40 } });
    const res = await instrumented(mod, () =>
      client(mod, env.fake).beta.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 2048,
        messages,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        betas: ['interleaved-thinking-2025-05-14'],
      }),
    );
    expect(res.content[0].type).toBe('thinking');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('anthropic');
    expect(a['gen_ai.usage.output_tokens']).toBe(40);
  });

  it('captures content in the conventions’ shapes when asked', async () => {
    env.fake.script({ content: 'Bonjour' });
    await instrumented(mod, () => create({ system: 'Be brief.' }), { captureContent: true });
    const a = only(env.harness.spans()).attributes;
    expect(JSON.parse(a['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(JSON.parse(a['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Hello' }] },
    ]);
    expect(JSON.parse(a['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Bonjour' }], finish_reason: 'end_turn' },
    ]);
  });

  it('streams rebuild the output content too', async () => {
    env.fake.script({ content: 'Streamed words here', chunks: 3 });
    await instrumented(
      mod,
      async () => {
        for await (const _ of await create({ stream: true }));
      },
      { captureContent: true },
    );
    const out = JSON.parse(only(env.harness.spans()).attributes['gen_ai.output.messages'] as string);
    expect(out[0].parts[0]).toEqual({ type: 'text', content: 'Streamed words here' });
  });
});
