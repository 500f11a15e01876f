import { ATTR, METRIC, withSegment } from '@promptscope/core';
import { diagnostics } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import { embed, embedMany } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { promptscopeTelemetry } from '../src/index.js';
import { EMBEDDING_MODEL, listPrice, modelSpans, openai } from './helpers.js';

const env = useEnv();
afterEach(() => {
  expect(diagnostics).toEqual([]);
});

describe('embed', () => {
  it('embed: their embeddings span with tokens, cost and segment; the embedding unchanged', async () => {
    env.fake.script({ usage: { input: 321 }, embeddings: [[0.25, 0.5, 0.75]] });
    const call = (integrate: boolean) =>
      withSegment('free', () =>
        embed({
          model: openai(env).embedding(EMBEDDING_MODEL),
          value: 'some text',
          maxRetries: 0,
          telemetry: integrate ? { integrations: promptscopeTelemetry() } : { isEnabled: false },
        }),
      );
    const result = await call(true);
    const spans = modelSpans(env.harness.spans());
    expect(spans).toHaveLength(1);
    expect(spans[0].name).toBe(`embeddings ${EMBEDDING_MODEL}`);
    const a = spans[0].attributes;
    expect(a[ATTR.OPERATION_NAME]).toBe('embeddings');
    expect(a[ATTR.USAGE_INPUT_TOKENS]).toBe(321);
    expect(a[ATTR.COST_USD]).toBeCloseTo(listPrice('openai', EMBEDDING_MODEL, 321, 0), 12);
    expect(a[ATTR.USER_SEGMENT]).toBe('free');
    // The operation span around it keeps no cost: it is counted once, on the model call.
    const root = env.harness.spans().find((s) => s !== spans[0]);
    expect(root?.attributes[ATTR.COST_USD]).toBeUndefined();
    const cost = await env.harness.metricPoints(METRIC.COST);
    expect(cost).toHaveLength(1);
    expect(cost[0].attributes).toMatchObject({ [ATTR.OPERATION_NAME]: 'embeddings', [ATTR.USER_SEGMENT]: 'free' });
    const without = await call(false);
    expect(result.embedding).toEqual([0.25, 0.5, 0.75]);
    expect(without.embedding).toEqual(result.embedding);
    expect(without.usage).toEqual(result.usage);
  });

  it('embedMany split into several model calls: one enriched span and one cost each', async () => {
    env.fake.script({ usage: { input: 10 } });
    const model = openai(env).embedding(EMBEDDING_MODEL);
    // More values than one OpenAI embeddings request takes (2048): the AI SDK makes two model calls.
    const result = await embedMany({
      model,
      values: Array.from({ length: 3000 }, (_, i) => `v${i}`),
      maxRetries: 0,
      telemetry: { integrations: promptscopeTelemetry() },
    });
    const spans = modelSpans(env.harness.spans());
    expect(env.fake.requests).toHaveLength(2);
    expect(spans).toHaveLength(2);
    for (const s of spans)
      expect(s.attributes[ATTR.COST_USD]).toBeCloseTo(listPrice('openai', EMBEDDING_MODEL, 10, 0), 12);
    expect(result.embeddings).toHaveLength(3000);
    expect((await env.harness.metricPoints(METRIC.COST)).map((p) => p.value)).toEqual([
      2 * listPrice('openai', EMBEDDING_MODEL, 10, 0),
    ]);
  });
});
