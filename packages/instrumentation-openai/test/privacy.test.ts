import { type OtlpReceiver, otlpExportingProviders, startOtlpReceiver } from '@promptscope/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ManualOptions } from '../src/index.js';
import { type AnyModule, diagnostics, instrumented, loadMajor, MAJORS, useEnv } from './helpers.js';

/** Distinctive strings: any occurrence in exported telemetry is a leak. */
const USER_TEXT = 'PRIVATE-user-text-q8Zk3v';
const MODEL_TEXT = 'PRIVATE-model-text-W2xr9p';
const SECRET_KEY = 'sk-PRIVACY-CANARY-4c1e2d9f7b3a';

const env = useEnv();
afterEach(() => {
  expect(diagnostics.filter((d) => d.includes('ended'))).toEqual([]);
});

function secretClient(mod: AnyModule): AnyModule {
  const OpenAI = mod.OpenAI ?? mod.default;
  return new OpenAI({ apiKey: SECRET_KEY, baseURL: env.fake.url, maxRetries: 0 });
}

/** Chat plain and streamed, Responses plain and streamed, embeddings: five calls carrying the secrets. */
async function everyApi(mod: AnyModule): Promise<void> {
  const c = secretClient(mod);
  const messages = [
    { role: 'system', content: `system ${USER_TEXT}` },
    { role: 'user', content: USER_TEXT },
  ];
  await c.chat.completions.create({ model: 'gpt-4o-mini', messages });
  const chat = await c.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
  for await (const _ of chat);
  await c.responses.create({ model: 'gpt-4o-mini', instructions: `be ${USER_TEXT}`, input: USER_TEXT });
  const resp = await c.responses.create({ model: 'gpt-4o-mini', input: USER_TEXT, stream: true });
  for await (const _ of resp);
  await c.embeddings.create({ model: 'text-embedding-3-small', input: USER_TEXT });
}

describe.each(MAJORS)('%s privacy', (major) => {
  let mod: AnyModule;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('with capture off (the default), exports neither message text nor the API key', async () => {
    env.fake.script({ content: MODEL_TEXT });
    await instrumented(mod, () => everyApi(mod));
    expect(env.fake.requests).toHaveLength(5);
    // The key really was sent: the check below would be vacuous otherwise.
    expect(env.fake.requests[0].headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(env.harness.spans()).toHaveLength(5);
    const all = await env.harness.exported();
    expect(all).toContain('gen_ai.usage.input_tokens');
    expect(all).not.toContain(USER_TEXT);
    expect(all).not.toContain(MODEL_TEXT);
    expect(all).not.toContain(SECRET_KEY);
    expect(all).not.toContain('PRIVATE-');
  });

  it('with capture on, exports the message text but never the API key', async () => {
    env.fake.script({ content: MODEL_TEXT });
    await instrumented(mod, () => everyApi(mod), { captureContent: true });
    expect(env.harness.spans()).toHaveLength(5);
    const all = await env.harness.exported();
    expect(all).toContain(USER_TEXT);
    expect(all).toContain(MODEL_TEXT);
    expect(all).not.toContain(SECRET_KEY);
    // Every chat-style span carries its input; embeddings input has no content attribute in the conventions.
    for (const s of env.harness.spans()) {
      if (s.attributes['gen_ai.operation.name'] === 'chat') {
        expect(s.attributes['gen_ai.input.messages'] as string).toContain(USER_TEXT);
        expect(s.attributes['gen_ai.output.messages'] as string).toContain(MODEL_TEXT);
      }
    }
  });

  it('with capture off, a failing call exports neither the text nor the key', async () => {
    env.fake.script({ status: 400, errorBody: { error: { message: 'bad request', type: 'invalid_request_error' } } });
    await instrumented(mod, async () => {
      await secretClient(mod)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: USER_TEXT }] })
        .catch(() => {});
    });
    expect(env.harness.spans()).toHaveLength(1);
    const all = await env.harness.exported();
    expect(all).toContain('error.type');
    expect(all).not.toContain(USER_TEXT);
    expect(all).not.toContain(SECRET_KEY);
  });

  describe('OTLP bytes on the wire', () => {
    let receiver: OtlpReceiver;
    beforeAll(async () => {
      receiver = await startOtlpReceiver();
    });
    afterAll(() => receiver.close());
    beforeEach(() => receiver.reset());

    async function exportOverOtlp(options: ManualOptions): Promise<Buffer> {
      const otlp = otlpExportingProviders(receiver.url);
      try {
        const { tracerProvider, meterProvider } = otlp;
        await instrumented(mod, () => everyApi(mod), { ...options, tracerProvider, meterProvider });
        await otlp.flush();
        await receiver.waitFor(() => receiver.spans().length >= 5 && receiver.metrics().length > 0);
      } finally {
        await otlp.shutdown();
      }
      expect(receiver.spans()).toHaveLength(5);
      // Nothing went to the in-memory harness: the providers passed in were used.
      expect(env.harness.spans()).toHaveLength(0);
      return Buffer.concat(receiver.requests.map((r) => r.body));
    }

    it('with capture off, the exported protobuf bytes contain neither the text nor the key', async () => {
      env.fake.script({ content: MODEL_TEXT });
      const bytes = await exportOverOtlp({});
      expect(receiver.requests.some((r) => r.path === '/v1/traces')).toBe(true);
      expect(receiver.requests.some((r) => r.path === '/v1/metrics')).toBe(true);
      expect(bytes.includes('gen_ai.usage.input_tokens')).toBe(true);
      expect(bytes.includes(USER_TEXT)).toBe(false);
      expect(bytes.includes(MODEL_TEXT)).toBe(false);
      expect(bytes.includes(SECRET_KEY)).toBe(false);
    });

    it('with capture on, the exported bytes contain the text but not the key', async () => {
      env.fake.script({ content: MODEL_TEXT });
      const bytes = await exportOverOtlp({ captureContent: true });
      expect(bytes.includes(USER_TEXT)).toBe(true);
      expect(bytes.includes(SECRET_KEY)).toBe(false);
    });
  });
});
