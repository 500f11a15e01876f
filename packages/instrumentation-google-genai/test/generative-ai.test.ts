import { endOpenOperations } from '@promptscope/core/provider';
import { bothWays, type FakeProvider, stable, withInstrumentation } from '@promptscope/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { instrument, type ManualOptions } from '../src/index.js';
import { type Any, API_KEY, diagnostics, listPrice, MODEL, only, useEnv } from './helpers.js';

/** The deprecated `@google/generative-ai` 0.24, installed as `google-generative-ai-v0`. */
const env = useEnv();
let mod: Any;
beforeAll(async () => {
  mod = await import('google-generative-ai-v0');
});

function model(fake: FakeProvider, params: Record<string, unknown> = {}): Any {
  return new mod.GoogleGenerativeAI(API_KEY).getGenerativeModel({ model: MODEL, ...params }, { baseUrl: fake.origin });
}
const instrumented = <T>(fn: () => Promise<T>, options: ManualOptions = {}) =>
  withInstrumentation(() => instrument(mod, options), fn);
const attrs = () => only(env.harness.spans()).attributes;

describe('@google/generative-ai', () => {
  it('generateContent: the same result, one span with tokens, finish reason and cost', async () => {
    env.fake.script({ usage: { input: 800, cached: 200, output: 90, reasoning: 10 } });
    const m = () => model(env.fake, { generationConfig: { temperature: 0.3, maxOutputTokens: 128 } });
    const { plain, instrumented: inst } = await bothWays(
      () => instrument(mod),
      async () => stable((await m().generateContent('Why is the sky blue?')).response),
    );
    expect(plain.ok).toBe(true);
    expect(inst).toEqual(plain);
    const a = attrs();
    expect(a['gen_ai.operation.name']).toBe('generate_content');
    expect(a['gen_ai.provider.name']).toBe('gcp.gemini');
    expect(a['gen_ai.request.model']).toBe(MODEL);
    expect(a['gen_ai.request.temperature']).toBe(0.3);
    expect(a['gen_ai.request.max_tokens']).toBe(128);
    expect(a['gen_ai.usage.input_tokens']).toBe(800);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(200);
    expect(a['gen_ai.usage.output_tokens']).toBe(100);
    expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(10);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['STOP']);
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(MODEL, { input: 800, cached: 200, output: 100 }), 12);
    expect(diagnostics).toEqual([]);
  });

  it('generateContentStream: the chunks and the aggregated response as without us; chunks and usage on the span', async () => {
    env.fake.script({ chunks: 4, usage: { input: 20, output: 8 } });
    const { plain, instrumented: inst } = await bothWays(
      () => instrument(mod),
      async () => {
        const result = await model(env.fake).generateContentStream('hi');
        const texts: string[] = [];
        for await (const chunk of result.stream) texts.push(chunk.text());
        return { texts, response: stable(await result.response) };
      },
    );
    expect(plain.ok).toBe(true);
    expect(inst).toEqual(plain);
    const a = attrs();
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['promptscope.stream.chunks']).toBe(4);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['gen_ai.usage.input_tokens']).toBe(20);
    expect(a['gen_ai.usage.output_tokens']).toBe(8);
    expect(typeof a['gen_ai.response.time_to_first_chunk']).toBe('number');
  });

  it('a stream whose caller only awaits `response`: ends abandoned, without usage (see the README)', async () => {
    env.fake.script({ chunks: 3, usage: { input: 20, output: 8 } });
    await instrumented(async () => {
      const result = await model(env.fake).generateContentStream('hi');
      expect((await result.response).text()).toBe('Hello from the fake provider.');
    });
    expect(env.harness.spans()).toHaveLength(0);
    expect(endOpenOperations()).toBe(1);
    const a = attrs();
    expect(a['promptscope.stream.outcome']).toBe('abandoned');
    expect(a['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('a chat session: one span per message, the history as input with capture on', async () => {
    env.fake.script({ content: 'first answer' });
    await instrumented(
      async () => {
        const chat = model(env.fake, { systemInstruction: 'Be brief.' }).startChat();
        await chat.sendMessage('first question');
        env.fake.script({ content: 'second answer' });
        for await (const _ of (await chat.sendMessageStream('second question')).stream);
      },
      { captureContent: true },
    );
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    expect(spans.map((s) => s.attributes['gen_ai.request.stream'])).toEqual([undefined, true]);
    expect(JSON.parse(spans[1].attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'first question' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'first answer' }] },
      { role: 'user', parts: [{ type: 'text', content: 'second question' }] },
    ]);
    expect(JSON.parse(spans[1].attributes['gen_ai.system_instructions'] as string)).toEqual([
      { type: 'text', content: 'Be brief.' },
    ]);
    expect(JSON.parse(spans[1].attributes['gen_ai.output.messages'] as string)[0].parts).toEqual([
      { type: 'text', content: 'second answer' },
    ]);
  });

  it('an HTTP error: the SDK’s GoogleGenerativeAIFetchError, its status as error.type; the key is not recorded', async () => {
    env.fake.script({ fault: 'rate_limit' });
    const { plain, instrumented: inst } = await bothWays(
      () => instrument(mod),
      () => model(env.fake).generateContent('hi'),
    );
    expect(inst).toEqual(plain);
    expect(plain.ok).toBe(false);
    if (!plain.ok) expect(plain.error.class).toBe('GoogleGenerativeAIFetchError');
    const a = attrs();
    expect(a['error.type']).toBe('429');
    expect(env.fake.requests[1].headers['x-goog-api-key']).toBe(API_KEY);
    expect(await env.harness.exported()).not.toContain('SECRET');
  });

  it('the caller’s abort mid-stream ends the span as aborted', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 10 });
    await instrumented(async () => {
      const controller = new AbortController();
      const result = await model(env.fake).generateContentStream('hi', { signal: controller.signal });
      result.response.catch(() => {});
      let n = 0;
      try {
        for await (const _ of result.stream) if (++n === 2) controller.abort();
      } catch {
        // the SDK may end the loop with its abort error
      }
    });
    expect(attrs()['promptscope.stream.outcome']).toBe('aborted');
  });

  it('embedContent and batchEmbedContents: embeddings spans with the vector size', async () => {
    env.fake.script({ embeddingDimensions: 12 });
    await instrumented(async () => {
      const m = model(env.fake, { model: 'gemini-embedding-001' });
      await m.embedContent('a');
      await m.batchEmbedContents({
        requests: [{ content: { role: 'user', parts: [{ text: 'b' }] }, model: 'models/gemini-embedding-001' }],
      });
    });
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.attributes['gen_ai.operation.name']).toBe('embeddings');
      expect(s.attributes['gen_ai.request.model']).toBe('gemini-embedding-001');
      expect(s.attributes['gen_ai.embeddings.dimension.count']).toBe(12);
    }
  });
});
