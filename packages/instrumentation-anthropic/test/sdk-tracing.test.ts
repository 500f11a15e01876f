import { beforeAll, describe, expect, it } from 'vitest';
import { type Any, client, instrumented, loadMajor, useEnv } from './helpers.js';

// @anthropic-ai/sdk 0.134 and later traces itself when a tracer provider is registered. One call, one span:
// on instrumented clients the SDK's own span is off, and ours carries tokens and cost once.
const env = useEnv();
const messages = [{ role: 'user', content: 'hi' }];

describe.each(['anthropic-v0-137', 'anthropic-v1'] as const)('%s traces itself', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('without promptscope the SDK makes its own span (so the next test means something)', async () => {
    env.fake.script({});
    await client(mod, env.fake).messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages });
    const spans = env.harness.spans();
    expect(spans).toHaveLength(1);
    expect(spans[0].instrumentationScope.name).toMatch(/anthropic/);
  });

  it('with promptscope: exactly one span per call, ours, for create and for the stream helper', async () => {
    env.fake.script({ chunks: 3, usage: { input: 5, output: 3 } });
    await instrumented(mod, async () => {
      const c = client(mod, env.fake);
      await c.messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages });
      for await (const _ of await c.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 8,
        messages,
        stream: true,
      }));
      await client(mod, env.fake)
        .messages.stream({ model: 'claude-haiku-4-5', max_tokens: 8, messages })
        .finalMessage();
    });
    const spans = env.harness.spans();
    expect(spans.map((s) => s.instrumentationScope.name)).toEqual([
      '@promptscope/instrumentation-anthropic',
      '@promptscope/instrumentation-anthropic',
      '@promptscope/instrumentation-anthropic',
    ]);
    const tokens = await env.harness.metricPoints('gen_ai.client.token.usage');
    const output = tokens.find((p) => p.attributes['gen_ai.token.type'] === 'output');
    expect(output).toBeDefined();
    expect((output!.value as { sum: number }).sum).toBe(9);
  });
});
