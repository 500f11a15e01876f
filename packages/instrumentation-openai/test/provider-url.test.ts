import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyModule, client, instrumented, loadMajor, only, useEnv } from './helpers.js';

const env = useEnv();

// The named servers are read from the environment once per process, so this file holds one scenario.
describe('an OpenAI-compatible server named in PROMPTSCOPE_PROVIDER_URLS', () => {
  let mod: AnyModule;
  beforeAll(async () => {
    mod = await loadMajor('openai-v6');
  });
  afterAll(() => {
    delete process.env.PROMPTSCOPE_PROVIDER_URLS;
  });

  it('is recorded under its name and priced by its override: zero on purpose, not unpriced', async () => {
    process.env.PROMPTSCOPE_PROVIDER_URLS = `${env.fake.url}=ollama`;
    env.fake.script({ model: 'llama3.1:8b', usage: { input: 40, output: 10 } });
    const res = await instrumented(
      mod,
      () =>
        client(mod, env.fake).chat.completions.create({
          model: 'llama3.1:8b',
          messages: [{ role: 'user', content: 'hi' }],
        }),
      { prices: [{ match: 'llama3.1:8b', provider: 'ollama', input_mtok: 0, output_mtok: 0 }] },
    );
    expect(res.choices[0].message.content).toBe('Hello from the fake provider.');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('ollama');
    expect(a['gen_ai.usage.input_tokens']).toBe(40);
    expect(a['promptscope.cost.usd']).toBe(0);
    expect(a['promptscope.cost.unpriced']).toBeUndefined();
  });
});
