import { afterAll, expect, it } from 'vitest';
import { chatBody, compatibleClient } from './compatible-adapter.js';
import { GROQ_SDK } from './groq-adapter.js';
import { API_KEY, instrumented, only, useEnv } from './helpers.js';

const env = useEnv();
afterAll(() => {
  delete process.env.PROMPTSCOPE_PROVIDER_URLS;
});

// The named servers are read from the environment once per process, so this file holds one scenario.
it('a groq-sdk client whose base URL is named in PROMPTSCOPE_PROVIDER_URLS is recorded under that name', async () => {
  process.env.PROMPTSCOPE_PROVIDER_URLS = `${GROQ_SDK.baseURL(env.fake)}=my-gateway`;
  const mod = await import('groq-v1');
  env.fake.script({ usage: { input: 4, output: 2 } });
  await instrumented(mod, () =>
    compatibleClient(GROQ_SDK, mod, env.fake, API_KEY).chat.completions.create(chatBody(GROQ_SDK.model, 'hi')),
  );
  const a = only(env.harness.spans()).attributes;
  expect(a['gen_ai.provider.name']).toBe('my-gateway');
  expect(a['gen_ai.usage.input_tokens']).toBe(4);
  // No price is known for a server the user named without pricing it: unpriced, never free.
  expect(a['promptscope.cost.usd']).toBeUndefined();
  expect(a['promptscope.cost.unpriced']).toBeDefined();
});
