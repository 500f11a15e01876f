import type { Script } from '@promptscope/testing';
import { describe, expect, it } from 'vitest';
import {
  ANTHROPIC_SCOPE,
  assertNoSecret,
  assertOneSpanPerRequest,
  assertUnderAppSpan,
  OPENAI_SCOPE,
  runApp,
  spansOf,
  useHarness,
} from './helpers.js';

// LangChain's ChatOpenAI and ChatAnthropic (each loading its own nested copy of the provider SDK), under the
// real register hook and without it. LangChain makes no OTel spans of its own (its callbacks are not OTel),
// so a provider span is a root span unless the app opened one around the call.

const h = useHarness();

const PROVIDERS = [
  { provider: 'openai', scope: OPENAI_SCOPE, toolId: 'call_weather_1', model: 'gpt-4o-mini', streamedOutput: 6 },
  // ChatAnthropic adds the placeholder output_tokens of `message_start` (1, as the real service sends) to the
  // final count of `message_delta` (6) when it merges the chunks; the span carries the provider's 6.
  {
    provider: 'anthropic',
    scope: ANTHROPIC_SCOPE,
    toolId: 'toolu_weather_1',
    model: 'claude-haiku-4-5',
    streamedOutput: 7,
  },
];

function scripts(toolId: string): Script[] {
  return [
    {
      toolCalls: [{ id: toolId, name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { input: 23, output: 9 },
    },
    { content: 'Plain hello.', usage: { input: 11, output: 7 } },
    { content: 'Streamed hello, in pieces.', chunks: 4, usage: { input: 13, output: 6 } },
  ];
}

async function scenario(provider: string, toolId: string, hook: boolean, env: Record<string, string> = {}) {
  h.fake.reset();
  h.receiver.reset();
  h.fake.enqueue(...scripts(toolId));
  const r = await runApp('langchain.mjs', { hook, ...h, env: { PROVIDER: provider, ...env } });
  expect(r.code, r.stderr).toBe(0);
  expect(h.fake.requests).toHaveLength(3);
  return r.out;
}

describe.each(PROVIDERS)('LangChain $provider', ({ provider, scope, toolId, model, streamedOutput }) => {
  it('prints the same results with and without the hook; one span per request with the scripted tokens', async () => {
    const bare = await scenario(provider, toolId, false);
    expect(h.receiver.requests).toHaveLength(0);
    // The scenario itself is what we think it is: a tool call, a plain answer, a stream with usage.
    expect(bare.offLoopback).toEqual([]);
    expect(bare.invoked).toMatchObject({ toolCalls: [{ id: toolId, name: 'get_weather', args: { city: 'Paris' } }] });
    expect(bare.plain).toMatchObject({ content: 'Plain hello.', usage: { input: 11, output: 7 } });
    expect(bare.streamed).toMatchObject({
      text: 'Streamed hello, in pieces.',
      nonEmpty: true,
      usage: { input: 13, output: streamedOutput },
    });

    const hooked = await scenario(provider, toolId, true);
    expect(hooked).toEqual(bare);
    await h.receiver.waitFor(() => spansOf(h.receiver, scope).length >= 3);
    const spans = spansOf(h.receiver, scope);
    assertOneSpanPerRequest(spans, h.fake);
    expect(spans.map((s) => s.name)).toEqual([`chat ${model}`, `chat ${model}`, `chat ${model}`]);
    expect(spans.map((s) => s.attributes['gen_ai.provider.name'])).toEqual([provider, provider, provider]);
    // LangChain adds no OTel span: ours are the only ones, and each is a root.
    expect(h.receiver.spans().every((s) => s.scope === scope)).toBe(true);
    for (const span of spans) expect(span.parentSpanId).toBeUndefined();
    expect(spans[0].attributes['gen_ai.response.finish_reasons']).toEqual([
      provider === 'openai' ? 'tool_calls' : 'tool_use',
    ]);
    assertNoSecret(h.receiver);
  });

  it('a span the app opens around the calls is the parent of every provider span', async () => {
    const out = await scenario(provider, toolId, true, { APP_SPAN: '1' });
    expect(out.plain).toMatchObject({ content: 'Plain hello.' });
    await assertUnderAppSpan(h, scope);
  });
});
