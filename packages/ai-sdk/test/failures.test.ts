import { SpanStatusCode } from '@opentelemetry/api';
import { ATTR, METRIC } from '@promptscope/core';
import { diagnostics, outcome } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import { generateText, streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { promptscopeTelemetry } from '../src/index.js';
import { listPrice, modelSpans, OPENAI_MODEL, openai } from './helpers.js';

const env = useEnv();
afterEach(() => {
  diagnostics.length = 0;
});

describe('failures', () => {
  it('a failure inside promptscope (its meter provider throws) never breaks the call or its span', async () => {
    const run = (integrations: unknown) => {
      env.fake.script({ content: 'Still fine.', usage: { input: 100, output: 10 } });
      return generateText({
        model: openai(env).chat(OPENAI_MODEL),
        prompt: 'hello',
        maxRetries: 0,
        telemetry: integrations === undefined ? { isEnabled: false } : { integrations: integrations as never },
      });
    };
    const broken = promptscopeTelemetry({
      meterProvider: {
        getMeter() {
          throw new Error('injected meter failure');
        },
      },
    });
    const r = await run(broken);
    const plain = await run(undefined);
    expect(r.text).toBe('Still fine.');
    expect(r.text).toBe(plain.text);
    expect(r.usage).toEqual(plain.usage);
    // Their span is still there, once, still enriched; the failure is reported, not thrown.
    const spans = modelSpans(env.harness.spans());
    expect(spans).toHaveLength(1);
    expect(spans[0].attributes[ATTR.COST_USD]).toBeCloseTo(listPrice('openai', OPENAI_MODEL, 100, 10), 12);
    expect(diagnostics.join('\n')).toContain('injected meter failure');
  });

  it('a provider error reaches the caller unchanged; their span and our metrics carry error.type', async () => {
    const run = async (integrate: boolean) => {
      env.fake.script({ fault: 'server_error' });
      return outcome(() =>
        generateText({
          model: openai(env).chat(OPENAI_MODEL),
          prompt: 'hello',
          maxRetries: 0,
          telemetry: integrate ? { integrations: promptscopeTelemetry() } : { isEnabled: false },
        }),
      );
    };
    const withPs = await run(true);
    const spans = modelSpans(env.harness.spans());
    const without = await run(false);
    expect(withPs.ok).toBe(false);
    expect(withPs).toEqual(without);
    expect(spans).toHaveLength(1);
    expect(spans[0].status.code).toBe(SpanStatusCode.ERROR);
    const duration = await env.harness.metricPoints('gen_ai.client.operation.duration');
    expect(duration).toHaveLength(1);
    expect(duration[0].attributes[ATTR.ERROR_TYPE]).toBe('500');
    expect(await env.harness.metricPoints(METRIC.COST)).toEqual([]);
  });

  it('an in-stream error: the caller sees the same parts and error; one span, ended as an error', async () => {
    const run = async (integrate: boolean) => {
      env.fake.script({ fault: 'stream_error', chunks: 5, faultAfterChunks: 2 });
      const errors: string[] = [];
      const result = streamText({
        model: openai(env).chat(OPENAI_MODEL),
        prompt: 'hello',
        maxRetries: 0,
        onError: ({ error }) => {
          errors.push(String((error as Error)?.message ?? error));
        },
        telemetry: integrate ? { integrations: promptscopeTelemetry() } : { isEnabled: false },
      });
      const parts: string[] = [];
      for await (const part of result.fullStream) parts.push(part.type === 'text-delta' ? part.text : part.type);
      return { parts, errors };
    };
    const withPs = await run(true);
    const spans = modelSpans(env.harness.spans());
    const without = await run(false);
    expect(withPs).toEqual(without);
    expect(withPs.parts).toContain('error');
    expect(spans).toHaveLength(1);
    expect(spans[0].status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[0].attributes[ATTR.ERROR_TYPE]).toBe('_OTHER');
    const duration = await env.harness.metricPoints('gen_ai.client.operation.duration');
    expect(duration.map((p) => (p.value as { count: number }).count)).toEqual([1]);
    expect(duration[0].attributes[ATTR.ERROR_TYPE]).toBe('_OTHER');
    expect(await env.harness.metricPoints('gen_ai.client.operation.time_to_first_chunk')).toEqual([]);
  });
});
