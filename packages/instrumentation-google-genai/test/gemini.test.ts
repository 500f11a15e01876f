import { beforeAll, describe, expect, it } from 'vitest';
import { PROMPT_BLOCKED } from '../src/index.js';
import {
  type Any,
  API_KEY,
  client,
  instrumented,
  listPrice,
  loadMajor,
  MAJORS,
  MODEL,
  only,
  useEnv,
} from './helpers.js';

const env = useEnv();

describe.each(MAJORS)('%s Gemini specifics', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('generateContent: tokens incl. cached and thoughts, request parameters, id, model, cost', async () => {
    env.fake.script({
      id: 'resp-gem-1',
      model: 'gemini-2.5-flash-001',
      usage: { input: 1200, cached: 800, output: 40, reasoning: 60 },
    });
    const res = await instrumented(mod, () =>
      client(mod, env.fake).models.generateContent({
        model: MODEL,
        contents: 'Hello',
        config: {
          temperature: 0.2,
          topP: 0.9,
          topK: 32,
          maxOutputTokens: 300,
          stopSequences: ['##'],
          seed: 7,
          candidateCount: 2,
        },
      }),
    );
    expect(typeof res.text).toBe('string');
    const span = only(env.harness.spans());
    expect(span.name).toBe(`generate_content ${MODEL}`);
    const a = span.attributes;
    expect(a['gen_ai.operation.name']).toBe('generate_content');
    expect(a['gen_ai.provider.name']).toBe('gcp.gemini');
    expect(a['gen_ai.request.model']).toBe(MODEL);
    expect(a['gen_ai.request.temperature']).toBe(0.2);
    expect(a['gen_ai.request.top_p']).toBe(0.9);
    expect(a['gen_ai.request.top_k']).toBe(32);
    expect(a['gen_ai.request.max_tokens']).toBe(300);
    expect(a['gen_ai.request.stop_sequences']).toEqual(['##']);
    expect(a['gen_ai.request.seed']).toBe(7);
    expect(a['gen_ai.request.choice.count']).toBe(2);
    expect(a['server.address']).toBe('127.0.0.1');
    expect(a['server.port']).toBe(env.fake.port);
    expect(a['gen_ai.response.id']).toBe('resp-gem-1');
    expect(a['gen_ai.response.model']).toBe('gemini-2.5-flash-001');
    expect(a['gen_ai.response.finish_reasons']).toEqual(['STOP']);
    expect(a['gen_ai.usage.input_tokens']).toBe(1200);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(800);
    expect(a['gen_ai.usage.output_tokens']).toBe(100);
    expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(60);
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(MODEL, { input: 1200, cached: 800, output: 100 }), 12);
    // The discount is real: the same tokens uncached cost more.
    expect(listPrice(MODEL, { input: 1200, cached: 800, output: 100 })).toBeLessThan(
      listPrice(MODEL, { input: 1200, cached: 0, output: 100 }),
    );
    const sent = env.fake.requests.at(-1);
    expect(sent?.path).toContain(':generateContent');
    expect(JSON.stringify(span.attributes)).not.toContain(API_KEY);
  });

  it.each([
    ['length', 'MAX_TOKENS'],
    ['content_filter', 'SAFETY'],
    ['RECITATION', 'RECITATION'],
  ])('finish reason %s is recorded as Gemini says it: %s', async (scripted, expected) => {
    env.fake.script({ finishReason: scripted });
    await instrumented(mod, () => client(mod, env.fake).models.generateContent({ model: MODEL, contents: 'Hi' }));
    expect(only(env.harness.spans()).attributes['gen_ai.response.finish_reasons']).toEqual([expected]);
  });

  it.each([false, true])(
    'a prompt blocked by safety (stream %s): no candidates, finish reason PROMPT_BLOCKED_SAFETY',
    async (stream) => {
      env.fake.script({ finishReason: 'blocked:SAFETY', usage: { input: 9, output: 0 } });
      const res = await instrumented(mod, async () => {
        const c = client(mod, env.fake);
        if (!stream) return c.models.generateContent({ model: MODEL, contents: 'bad' });
        const chunks: Any[] = [];
        for await (const chunk of await c.models.generateContentStream({ model: MODEL, contents: 'bad' }))
          chunks.push(chunk);
        return chunks.at(-1);
      });
      expect(res.promptFeedback.blockReason).toBe('SAFETY');
      expect(res.candidates ?? []).toHaveLength(0);
      const a = only(env.harness.spans()).attributes;
      expect(a['gen_ai.response.finish_reasons']).toEqual([`${PROMPT_BLOCKED}SAFETY`]);
      expect(a['gen_ai.usage.input_tokens']).toBe(9);
    },
  );

  it('generateContentStream: TTFT at least the scripted delay and within 2 ms of the caller’s first chunk, usage from the last chunk', async () => {
    env.fake.script({
      chunks: 5,
      firstChunkDelayMs: 120,
      chunkDelayMs: 5,
      usage: { input: 30, cached: 10, output: 22, reasoning: 5 },
    });
    let text = '';
    let firstSeen: number | undefined;
    await instrumented(mod, async () => {
      const started = performance.now();
      const stream = await client(mod, env.fake).models.generateContentStream({ model: MODEL, contents: 'Hi' });
      for await (const chunk of stream) {
        firstSeen ??= (performance.now() - started) / 1000;
        text += chunk.text ?? '';
      }
    });
    expect(text).toBe('Hello from the fake provider.');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['promptscope.stream.chunks']).toBe(5);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['gen_ai.usage.input_tokens']).toBe(30);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(10);
    expect(a['gen_ai.usage.output_tokens']).toBe(27);
    expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(5);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['STOP']);
    const ttfc = a['gen_ai.response.time_to_first_chunk'] as number;
    expect(ttfc).toBeGreaterThanOrEqual(0.12);
    // Measured from the request, the caller from just before its call: the SDK's own work in between (its
    // parameter processing, about 0.2 ms) falls inside the caller's figure only.
    expect(Math.abs(ttfc - (firstSeen as number))).toBeLessThan(0.002);
  });

  it('a function call: finish reason STOP, the call in the captured output', async () => {
    env.fake.script({ toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const res = await instrumented(
      mod,
      () =>
        client(mod, env.fake).models.generateContent({
          model: MODEL,
          contents: 'Weather in Paris?',
          config: { tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather by city' }] }] },
        }),
      { captureContent: true },
    );
    expect(res.functionCalls[0].name).toBe('get_weather');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.response.finish_reasons']).toEqual(['STOP']);
    const out = JSON.parse(a['gen_ai.output.messages'] as string);
    expect(out[0].parts).toContainEqual(
      expect.objectContaining({ type: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } }),
    );
    expect(a['gen_ai.tool.definitions']).toContain('get_weather');
  });

  it('a chat: one span per sendMessage, the history in the second call’s captured input', async () => {
    env.fake.script({ usage: { input: 5, output: 7 } });
    await instrumented(
      mod,
      async () => {
        const chat = client(mod, env.fake).chats.create({ model: MODEL });
        await chat.sendMessage({ message: 'first' });
        await chat.sendMessage({ message: 'second' });
      },
      { captureContent: true },
    );
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    for (const s of spans) expect(s.attributes['gen_ai.operation.name']).toBe('generate_content');
    const input = JSON.parse(spans[1]?.attributes['gen_ai.input.messages'] as string);
    expect(input.map((m: Any) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(input)).toContain('first');
  });

  it('embedContent: operation embeddings, dimension count, one span', async () => {
    const res = await instrumented(mod, () =>
      client(mod, env.fake).models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] }),
    );
    expect(res.embeddings).toHaveLength(2);
    const span = only(env.harness.spans());
    expect(span.attributes['gen_ai.operation.name']).toBe('embeddings');
    expect(span.attributes['gen_ai.provider.name']).toBe('gcp.gemini');
    expect(span.attributes['gen_ai.request.model']).toBe('gemini-embedding-001');
    expect(span.attributes['gen_ai.embeddings.dimension.count']).toBe(res.embeddings[0].values.length);
  });

  it.skipIf(major !== 'genai-v1')(
    '1.x: an in-stream error event is yielded as an empty chunk, the span ends without error',
    async () => {
      env.fake.script({ fault: 'stream_error', chunks: 4, faultAfterChunks: 2 });
      await instrumented(mod, async () => {
        for await (const _ of await client(mod, env.fake).models.generateContentStream({
          model: MODEL,
          contents: 'Hi',
        })) {
          // drain
        }
      });
      expect(only(env.harness.spans()).attributes['promptscope.stream.chunks']).toBe(2);
    },
  );
});
