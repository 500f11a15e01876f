import { beforeAll, describe, expect, it } from 'vitest';
import { anthropicBody, CLAUDE, drainOutput, invokeInput, NOVA, novaBody, TITAN } from './adapter.js';
import {
  type Any,
  bothWays,
  chunkJson,
  client,
  instrumented,
  listPrice,
  loadMajor,
  MAJORS,
  only,
  send,
  stable,
  useEnv,
} from './helpers.js';

// InvokeModel and InvokeModelWithResponseStream with each body shape the package reads.
const env = useEnv();

const titanBody = (text = 'hi') =>
  JSON.stringify({ inputText: text, textGenerationConfig: { maxTokenCount: 100, temperature: 0.2, topP: 0.8 } });

describe.each(MAJORS)('%s invoke', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });
  const c = () => client(mod, env.fake);
  const attrs = () => only(env.harness.spans()).attributes;

  it('InvokeModel with an Anthropic body: the body bytes are the caller’s; tokens, id, finish reason, cost', async () => {
    env.fake.script({ usage: { input: 30, cached: 10, cacheWrite: 5, output: 8 }, id: 'msg_fixed' });
    const call = async () => {
      const output = await send(
        c(),
        'InvokeModelCommand',
        invokeInput(CLAUDE, anthropicBody('hi', 'be brief', { temperature: 0.5 })),
      );
      return { ...output, body: new TextDecoder().decode(output.body) };
    };
    const { plain, instrumented: inst } = await bothWays(mod, async () => stable(await call()));
    expect(plain.ok).toBe(true);
    expect(inst).toEqual(plain);
    const a = attrs();
    expect(a['gen_ai.request.max_tokens']).toBe(256);
    expect(a['gen_ai.request.temperature']).toBe(0.5);
    expect(a['gen_ai.response.id']).toBe('msg_fixed');
    expect(a['gen_ai.usage.input_tokens']).toBe(45);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(10);
    expect(a['gen_ai.usage.cache_creation.input_tokens']).toBe(5);
    expect(a['gen_ai.usage.output_tokens']).toBe(8);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    expect(a['promptscope.cost.usd']).toBeCloseTo(
      listPrice(CLAUDE, { input: 30, cacheRead: 10, cacheWrite: 5, output: 8 }),
      12,
    );
  });

  it('InvokeModelWithResponseStream with an Anthropic body: the Anthropic events, TTFT, usage and stop reason', async () => {
    env.fake.script({ chunks: 3, firstChunkDelayMs: 80, finishReason: 'length', usage: { input: 11, output: 9 } });
    let firstAt = 0;
    let startedAt = 0;
    const types: string[] = [];
    await instrumented(mod, async () => {
      const bedrock = c();
      startedAt = performance.now();
      const output = await send(
        bedrock,
        'InvokeModelWithResponseStreamCommand',
        invokeInput(CLAUDE, anthropicBody('hi', 's')),
      );
      for await (const event of output.body) {
        // Stamped as the loop receives the event, before this test's own decoding of it.
        const receivedAt = performance.now();
        const payload = chunkJson(event);
        types.push(payload.type);
        if (payload.type === 'content_block_delta' && firstAt === 0) firstAt = receivedAt;
        if (payload.type === 'message_stop')
          expect(payload['amazon-bedrock-invocationMetrics'].outputTokenCount).toBe(9);
      }
    });
    expect(types[0]).toBe('message_start');
    expect(types.filter((t) => t === 'content_block_delta')).toHaveLength(3);
    const a = attrs();
    expect(a['gen_ai.usage.input_tokens']).toBe(11);
    expect(a['gen_ai.usage.output_tokens']).toBe(9);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['max_tokens']);
    expect(a['promptscope.stream.chunks']).toBe(3);
    const ttft = (a['gen_ai.response.time_to_first_chunk'] as number) * 1000;
    expect(ttft).toBeGreaterThanOrEqual(80);
    expect(Math.abs(ttft - (firstAt - startedAt))).toBeLessThan(2);
  });

  it('Titan Text, plain and streamed: token counts, completion reason, cost, content when captured', async () => {
    env.fake.script({ content: 'Titan says hi.', chunks: 3, finishReason: 'length', usage: { input: 6, output: 4 } });
    let streamed = '';
    await instrumented(
      mod,
      async () => {
        const plain = await send(c(), 'InvokeModelCommand', invokeInput(TITAN, titanBody('titan prompt')));
        expect(JSON.parse(new TextDecoder().decode(plain.body)).results[0].outputText).toBe('Titan says hi.');
        const output = await send(
          c(),
          'InvokeModelWithResponseStreamCommand',
          invokeInput(TITAN, titanBody('titan prompt')),
        );
        for await (const event of output.body) streamed += chunkJson(event).outputText;
      },
      { captureContent: true },
    );
    expect(streamed).toBe('Titan says hi.');
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      const a = s.attributes;
      expect(a['gen_ai.request.model']).toBe(TITAN);
      expect(a['gen_ai.request.max_tokens']).toBe(100);
      expect(a['gen_ai.usage.input_tokens']).toBe(6);
      expect(a['gen_ai.usage.output_tokens']).toBe(4);
      expect(a['gen_ai.response.finish_reasons']).toEqual(['LENGTH']);
      expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(TITAN, { input: 6, output: 4 }), 12);
      expect(a['gen_ai.input.messages']).toContain('titan prompt');
      expect(a['gen_ai.output.messages']).toContain('Titan says hi.');
    }
    expect(spans[1].attributes['promptscope.stream.chunks']).toBe(3);
  });

  it('Nova through InvokeModel, plain and streamed: usage with cache counts and cost of the inference profile', async () => {
    env.fake.script({ chunks: 2, usage: { input: 50, cached: 20, output: 5 } });
    await instrumented(mod, async () => {
      await send(c(), 'InvokeModelCommand', invokeInput(NOVA, novaBody('hi', 's')));
      await drainOutput(
        await send(c(), 'InvokeModelWithResponseStreamCommand', invokeInput(NOVA, novaBody('hi', 's'))),
      );
    });
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      const a = s.attributes;
      expect(a['gen_ai.request.model']).toBe(NOVA);
      expect(a['gen_ai.request.max_tokens']).toBe(256);
      expect(a['gen_ai.usage.input_tokens']).toBe(70);
      expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(20);
      expect(a['gen_ai.usage.output_tokens']).toBe(5);
      expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
      // genai-prices matches the `us.` inference profile to amazon.nova-lite-v1:0 itself.
      expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(NOVA, { input: 50, cacheRead: 20, output: 5 }), 12);
    }
  });

  it('a malformed invoke body: the bytes are the caller’s to read; the span ends once, without usage', async () => {
    env.fake.script({ fault: 'malformed_json', id: 'msg_fixed' });
    const call = async () =>
      new TextDecoder().decode(
        (await send(c(), 'InvokeModelCommand', invokeInput(CLAUDE, anthropicBody('hi', 's')))).body,
      );
    const { plain, instrumented: inst } = await bothWays(mod, call);
    expect(plain.ok).toBe(true);
    expect(inst).toEqual(plain);
    const a = attrs();
    expect(a['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(a['error.type']).toBeUndefined();
  });
});
