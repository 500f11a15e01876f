import { ATTR, METRIC, withPrompt } from '@promptscope/core';
import { diagnostics } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import { streamText } from 'ai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completionOf, promptscopeTelemetry } from '../src/index.js';
import { ANTHROPIC_MODEL, anthropic, listPrice, modelSpans, OPENAI_MODEL, openai } from './helpers.js';

const env = useEnv();
afterEach(() => {
  expect(diagnostics).toEqual([]);
});

const FIRST_CHUNK_MS = 120;

async function drain(result: { textStream: AsyncIterable<string> }): Promise<string> {
  let text = '';
  for await (const t of result.textStream) text += t;
  return text;
}

describe('streamText', () => {
  // The first call through each provider loads and compiles its code; a TTFT check wants a warm SDK.
  beforeAll(async () => {
    for (const model of [openai(env).chat(OPENAI_MODEL), anthropic(env)(ANTHROPIC_MODEL)]) {
      await drain(streamText({ model, prompt: 'warm up', maxOutputTokens: 64, telemetry: { isEnabled: false } }));
    }
  });

  for (const [name, model, provider] of [
    ['OpenAI', () => openai(env).chat(OPENAI_MODEL), 'openai'],
    ['Anthropic', () => anthropic(env)(ANTHROPIC_MODEL), 'anthropic'],
  ] as const) {
    it(`${name}: TTFT on their span and in the metric, usage and cost, one span`, async () => {
      env.fake.script({
        chunks: 5,
        firstChunkDelayMs: FIRST_CHUNK_MS,
        chunkDelayMs: 5,
        usage: { input: 40, output: 22 },
      });
      const result = withPrompt({ name: 'story', version: '7' }, () =>
        streamText({
          model: model(),
          prompt: 'tell me',
          maxRetries: 0,
          maxOutputTokens: 64,
          telemetry: { integrations: promptscopeTelemetry() },
        }),
      );
      expect(await drain(result)).toBe('Hello from the fake provider.');
      const usage = await result.usage;
      expect(usage.inputTokens).toBe(40);
      const spans = modelSpans(env.harness.spans());
      expect(spans).toHaveLength(1);
      const a = spans[0].attributes;
      expect(spans[0].name).toBe(`chat ${provider === 'openai' ? OPENAI_MODEL : ANTHROPIC_MODEL}`);
      expect(a[ATTR.REQUEST_STREAM]).toBe(true);
      expect(a[ATTR.PROMPT_NAME]).toBe('story');
      expect(a[ATTR.USAGE_INPUT_TOKENS]).toBe(40);
      expect(a[ATTR.USAGE_OUTPUT_TOKENS]).toBe(22);
      if (provider === 'openai') expect(a[ATTR.COST_USD]).toBeCloseTo(listPrice('openai', OPENAI_MODEL, 40, 22), 12);
      else expect(a[ATTR.COST_USD]).toBeCloseTo(listPrice('anthropic', ANTHROPIC_MODEL, 40, 22), 12);
      const ttfc = a[ATTR.RESPONSE_TIME_TO_FIRST_CHUNK] as number;
      expect(ttfc).toBeGreaterThanOrEqual(FIRST_CHUNK_MS / 1000);
      expect(ttfc).toBeLessThan((FIRST_CHUNK_MS + 150) / 1000);
      const points = await env.harness.metricPoints('gen_ai.client.operation.time_to_first_chunk');
      expect(points).toHaveLength(1);
      expect(points[0].attributes).toMatchObject({ [ATTR.PROVIDER_NAME]: provider, [ATTR.PROMPT_NAME]: 'story' });
      expect((points[0].value as { count: number; sum: number }).count).toBe(1);
      expect((points[0].value as { sum: number }).sum).toBeCloseTo(ttfc, 6);
      expect(await env.harness.metricPoints(METRIC.COST)).toHaveLength(1);
      const duration = await env.harness.metricPoints('gen_ai.client.operation.duration');
      expect(duration.map((p) => (p.value as { count: number }).count)).toEqual([1]);
      // Feedback for a stream: its response once it has finished.
      expect(completionOf(await result.response)?.spanId).toBe(spans[0].spanContext().spanId);
    });
  }

  it('the caller sees the same stream parts with and without promptscope', async () => {
    const run = async (integrate: boolean) => {
      env.fake.script({
        chunks: 4,
        content: 'one two three four',
        usage: { input: 5, output: 4 },
        id: 'chatcmpl-same',
      });
      const result = streamText({
        model: openai(env).chat(OPENAI_MODEL),
        prompt: 'count',
        maxRetries: 0,
        telemetry: integrate ? { integrations: promptscopeTelemetry() } : { isEnabled: false },
      });
      const parts: unknown[] = [];
      for await (const part of result.fullStream) {
        // Timings and generated ids differ run to run; the content and its order must not.
        if (part.type === 'text-delta') parts.push(['text', part.text]);
        else if (part.type === 'finish') parts.push(['finish', part.finishReason, part.totalUsage]);
        else parts.push([part.type]);
      }
      return { parts, text: await result.text, usage: await result.usage, id: (await result.response).id };
    };
    const withPs = await run(true);
    const without = await run(false);
    expect(withPs).toEqual(without);
    expect(withPs.text).toBe('one two three four');
  });
});
