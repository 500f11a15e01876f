import { metrics } from '@opentelemetry/api';
import { patchModule, unpatchModule } from '@promptscope/core/provider';
import { createOtelHarness, startFakeProvider } from '@promptscope/testing';
import { expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../src/index.js';
import { OPENAI } from '../src/patch.js';
import { API_KEY, loadMajor } from './helpers.js';

it('records metrics to an SDK registered after the instrumentation was set up', async () => {
  // What registerInstrumentations() does before the app's SDK exists: hand over the no-op global.
  const instrumentation = new OpenAIInstrumentation({ enabled: false });
  instrumentation.setMeterProvider(metrics.getMeterProvider());
  const harness = createOtelHarness();
  const fake = await startFakeProvider();
  try {
    const mod = await loadMajor('openai-v6');
    patchModule(OPENAI, mod, () => instrumentation.recorder);
    const client = new mod.OpenAI({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(harness.spans()).toHaveLength(1);
    expect(await harness.metricPoints('gen_ai.client.operation.duration')).toHaveLength(1);
  } finally {
    unpatchModule(OPENAI, await loadMajor('openai-v6'));
    await fake.close();
    await harness.shutdown();
  }
});

it('makes the call untouched when starting the span itself fails', async () => {
  const { Telemetry } = await import('@promptscope/core/provider');
  const telemetry = new Telemetry({}, {});
  telemetry.setTracerProvider({
    getTracer: () => ({
      startSpan: () => {
        throw new Error('tracer broke');
      },
      startActiveSpan: () => {
        throw new Error('tracer broke');
      },
    }),
  });
  const fake = await startFakeProvider();
  const mod = await loadMajor('openai-v6');
  try {
    patchModule(OPENAI, mod, () => telemetry);
    const client = new mod.OpenAI({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let n = 0;
    for await (const _ of stream) n++;
    expect(n).toBeGreaterThan(0);
    // Nothing of ours went into the request either.
    expect(fake.requests[0].body.stream_options).toBeUndefined();
  } finally {
    unpatchModule(OPENAI, mod);
    await fake.close();
  }
});
