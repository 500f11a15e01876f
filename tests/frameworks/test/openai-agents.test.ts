import { describe, expect, it } from 'vitest';
import {
  assertNoSecret,
  assertOneSpanPerRequest,
  assertUnderAppSpan,
  OPENAI_SCOPE,
  runApp,
  spansOf,
  useHarness,
} from './helpers.js';

// The OpenAI Agents SDK (its own openai 7 copy, in this workspace's node_modules) under the real register
// hook and without it, on both of its OpenAI models. Its tracing is its own (traces and spans handed to
// its processors, by default exported to OpenAI), not OTel: nothing of it reaches OTLP, and it does not
// set the OTel context, so a provider span is a root unless the app opened an OTel span around the run.

const h = useHarness();

const APIS = [
  { api: 'responses', path: '/v1/responses', modelSpan: 'response' },
  { api: 'chat_completions', path: '/v1/chat/completions', modelSpan: 'generation' },
];

async function scenario(api: string, hook: boolean, env: Record<string, string> = {}) {
  h.fake.reset();
  h.receiver.reset();
  h.fake.enqueue(
    {
      toolCalls: [{ id: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { input: 31, output: 8 },
    },
    { content: 'It is sunny in Paris.', usage: { input: 40, output: 5 } },
    { content: 'Hi there!', chunks: 3, usage: { input: 12, output: 3 } },
  );
  const r = await runApp('openai-agents.mjs', { hook, ...h, env: { OPENAI_API: api, ...env } });
  expect(r.code, r.stderr).toBe(0);
  // Nothing but the h.fake was called: no tracing export, no other endpoint.
  expect(r.out.offLoopback).toEqual([]);
  return r.out;
}

describe.each(APIS)('OpenAI Agents SDK on $api', ({ api, path, modelSpan }) => {
  it('prints the same results with and without the hook; one span per model request with the scripted tokens', async () => {
    const bare = await scenario(api, false);
    expect(h.receiver.requests).toHaveLength(0);
    expect(h.fake.requests.map((q) => [q.path, q.body.stream === true])).toEqual([
      [path, false],
      [path, false],
      [path, true],
    ]);
    expect(bare.ran).toEqual({
      finalOutput: 'It is sunny in Paris.',
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', callId: 'call_weather_1' }],
      toolOutputs: ['Sunny in Paris'],
      usage: [
        { input: 31, output: 8, total: 39 },
        { input: 40, output: 5, total: 45 },
      ],
    });
    expect(bare.streamed).toEqual({
      text: 'Hi there!',
      finalOutput: 'Hi there!',
      usage: [{ input: 12, output: 3, total: 15 }],
    });
    expect(bare.agentSpans).toEqual([]);

    const hooked = await scenario(api, true);
    expect(hooked).toEqual(bare);
    await h.receiver.waitFor(() => spansOf(h.receiver, OPENAI_SCOPE).length >= 3);
    const spans = spansOf(h.receiver, OPENAI_SCOPE);
    assertOneSpanPerRequest(spans, h.fake);
    for (const span of spans) {
      expect(span.name).toBe('chat gpt-4o-mini');
      expect(span.attributes['gen_ai.provider.name']).toBe('openai');
      expect(span.parentSpanId).toBeUndefined();
    }
    expect(h.receiver.spans().every((s) => s.scope === OPENAI_SCOPE)).toBe(true);
    assertNoSecret(h.receiver);
  });

  it("the SDK's own tracing stays its own: its spans never reach OTel, and ours are not nested under them", async () => {
    const out = await scenario(api, true, { AGENTS_TRACING: 'collect' });
    // One model span of its own per model request, plus the tool, turn, agent and task spans.
    const own = out.agentSpans as string[];
    expect(own.filter((t) => t === modelSpan)).toHaveLength(3);
    expect(own).toContain('function');
    expect(own).toContain('agent');
    await h.receiver.waitFor(() => spansOf(h.receiver, OPENAI_SCOPE).length >= 3);
    const spans = spansOf(h.receiver, OPENAI_SCOPE);
    assertOneSpanPerRequest(spans, h.fake);
    expect(h.receiver.spans()).toHaveLength(3);
    for (const span of spans) expect(span.parentSpanId).toBeUndefined();
  });

  it('an OTel span the app opens around both runs is the parent of every provider span', async () => {
    const out = await scenario(api, true, { APP_SPAN: '1' });
    expect(out.streamed).toMatchObject({ text: 'Hi there!' });
    await assertUnderAppSpan(h, OPENAI_SCOPE);
  });
});
