import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '@promptscope/core';
import { diagnostics } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import { generateText, registerTelemetry } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { promptscopeTelemetry } from '../src/index.js';
import { listPrice, modelSpans, OPENAI_MODEL, openai } from './helpers.js';

const env = useEnv();
afterEach(() => {
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = undefined;
  expect(diagnostics).toEqual([]);
});

describe('setup', () => {
  it('one line: registerTelemetry(promptscopeTelemetry()) enriches every call, global providers', async () => {
    registerTelemetry(promptscopeTelemetry());
    env.fake.script({ usage: { input: 50, output: 5 } });
    const result = await generateText({ model: openai(env).chat(OPENAI_MODEL), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('Hello from the fake provider.');
    const spans = modelSpans(env.harness.spans());
    expect(spans).toHaveLength(1);
    expect(spans[0].attributes[ATTR.COST_USD]).toBeCloseTo(listPrice('openai', OPENAI_MODEL, 50, 5), 12);
  });

  it('the AI SDK spans go to an explicit tracer provider when given, still enriched', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    env.fake.script({ usage: { input: 50, output: 5 } });
    await generateText({
      model: openai(env).chat(OPENAI_MODEL),
      prompt: 'hi',
      maxRetries: 0,
      telemetry: { integrations: promptscopeTelemetry({ tracerProvider: provider }) },
    });
    expect(env.harness.spans()).toEqual([]);
    const spans = modelSpans(exporter.getFinishedSpans());
    expect(spans).toHaveLength(1);
    expect(spans[0].attributes[ATTR.COST_USD]).toBeCloseTo(listPrice('openai', OPENAI_MODEL, 50, 5), 12);
    await provider.shutdown();
  });
});
