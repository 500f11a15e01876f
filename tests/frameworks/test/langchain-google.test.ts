import { describe, expect, it } from 'vitest';
import {
  assertNoSecret,
  assertOneSpanPerRequest,
  assertUnderAppSpan,
  GEMINI_SCOPE,
  runApp,
  SECRET,
  spansOf,
  useHarness,
} from './helpers.js';

// LangChain's ChatGoogleGenerativeAI calls the deprecated `@google/generative-ai` (not `@google/genai`),
// which the register hook instruments through @promptscope/instrumentation-google-genai. Finish reasons
// stay the provider's own values (`STOP`), as for every provider.

const h = useHarness();

async function scenario(hook: boolean, env: Record<string, string> = {}) {
  h.fake.reset();
  h.receiver.reset();
  h.fake.enqueue(
    { content: 'Gemini plain.', usage: { input: 9, output: 4 } },
    { content: 'Gemini streamed, in parts.', chunks: 3, usage: { input: 10, output: 5 } },
  );
  const r = await runApp('langchain-google.mjs', { hook, ...h, env: { GOOGLE_API_KEY: SECRET, ...env } });
  expect(r.code, r.stderr).toBe(0);
  expect(h.fake.requests.map((q) => q.path)).toEqual([
    '/v1beta/models/gemini-2.5-flash:generateContent',
    '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
  ]);
  return r.out;
}

const GEMINI_MODEL = () => 'gemini-2.5-flash';

describe('LangChain ChatGoogleGenerativeAI (@google/generative-ai)', () => {
  it('prints the same results with and without the hook; one span per request with the scripted tokens', async () => {
    const bare = await scenario(false);
    expect(h.receiver.requests).toHaveLength(0);
    expect(bare).toMatchObject({
      offLoopback: [],
      plain: { content: 'Gemini plain.', usage: { input: 9, output: 4 } },
      streamed: { text: 'Gemini streamed, in parts.' },
    });

    const hooked = await scenario(true);
    expect(hooked).toEqual(bare);
    await h.receiver.waitFor(() => spansOf(h.receiver, GEMINI_SCOPE).length >= 2);
    const spans = spansOf(h.receiver, GEMINI_SCOPE);
    assertOneSpanPerRequest(spans, h.fake, GEMINI_MODEL);
    expect(spans.map((s) => s.name)).toEqual([
      'generate_content gemini-2.5-flash',
      'generate_content gemini-2.5-flash',
    ]);
    expect(spans.map((s) => s.attributes['gen_ai.provider.name'])).toEqual(['gcp.gemini', 'gcp.gemini']);
    expect(spans.map((s) => s.attributes['gen_ai.response.finish_reasons'])).toEqual([['STOP'], ['STOP']]);
    // LangChain adds no OTel span: ours are the only ones, and each is a root.
    expect(h.receiver.spans().every((s) => s.scope === GEMINI_SCOPE)).toBe(true);
    for (const span of spans) expect(span.parentSpanId).toBeUndefined();
    assertNoSecret(h.receiver);
  });

  it('a span the app opens around the calls is the parent of both provider spans', async () => {
    await scenario(true, { APP_SPAN: '1' });
    await assertUnderAppSpan(h, GEMINI_SCOPE, GEMINI_MODEL);
  });
});
