import { metrics } from '@opentelemetry/api';
import { createOtelHarness, startFakeProvider } from '@promptscope/testing';
import { expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../src/instrumentation.js';
import { patchOpenAI } from '../src/patch.js';
import { API_KEY, loadMajor } from './helpers.js';

it('records metrics to an SDK registered after the instrumentation was set up', async () => {
  // What registerInstrumentations() does before the app's SDK exists: hand over the no-op global.
  const instrumentation = new OpenAIInstrumentation({ enabled: false });
  instrumentation.setMeterProvider(metrics.getMeterProvider());
  const harness = createOtelHarness();
  const fake = await startFakeProvider();
  try {
    const mod = await loadMajor('openai-v6');
    patchOpenAI(mod, () => instrumentation.recorder);
    const client = new mod.OpenAI({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(harness.spans()).toHaveLength(1);
    expect(await harness.metricPoints('gen_ai.client.operation.duration')).toHaveLength(1);
  } finally {
    const { unpatchOpenAI } = await import('../src/patch.js');
    unpatchOpenAI(await loadMajor('openai-v6'));
    await fake.close();
    await harness.shutdown();
  }
});
