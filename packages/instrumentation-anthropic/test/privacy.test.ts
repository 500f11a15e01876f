import { type OtlpReceiver, otlpExportingProviders, startOtlpReceiver } from '@promptscope/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ManualOptions } from '../src/index.js';
import { type Any, diagnostics, instrumented, loadMajor, MAJORS, useEnv } from './helpers.js';

/** Distinctive strings: any occurrence in exported telemetry is a leak. */
const USER_TEXT = 'PRIVATE-user-text-Jq7Rm2';
const SYSTEM_TEXT = 'PRIVATE-system-prompt-Xv4Lp8';
const MODEL_TEXT = 'PRIVATE-model-text-Tz3Wc6';
const THINKING_TEXT = 'PRIVATE-thinking-text-Hb9Ns1';
const TOOL_TEXT = 'PRIVATE-tool-args-Ke5Yd0';
const SECRET_KEY = 'sk-ant-PRIVACY-CANARY-7f3a9c1e5b2d';
const TEXTS = [USER_TEXT, SYSTEM_TEXT, MODEL_TEXT, THINKING_TEXT, TOOL_TEXT];

const env = useEnv();
afterEach(() => {
  expect(diagnostics.filter((d) => d.includes('ended'))).toEqual([]);
});

function secretClient(mod: Any): Any {
  const Anthropic = mod.Anthropic ?? mod.default;
  return new Anthropic({ apiKey: SECRET_KEY, baseURL: env.fake.origin, maxRetries: 0 });
}

const body = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-haiku-4-5',
  max_tokens: 256,
  system: `You are ${SYSTEM_TEXT}`,
  messages: [{ role: 'user', content: USER_TEXT }],
  ...extra,
});
const tools = [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: {} } }];

/** messages plain, streamed and through stream(); beta.messages plain and streamed: five calls, five spans. */
const CALLS = 5;
async function everyApi(mod: Any): Promise<void> {
  const c = secretClient(mod);
  await c.messages.create(body({ tools }));
  for await (const _ of await c.messages.create(body({ stream: true })));
  await c.messages.stream(body()).finalMessage();
  const beta = { thinking: { type: 'enabled', budget_tokens: 1024 }, betas: ['interleaved-thinking-2025-05-14'] };
  await c.beta.messages.create(body({ ...beta, system: [{ type: 'text', text: SYSTEM_TEXT }] }));
  for await (const _ of await c.beta.messages.create(body({ ...beta, stream: true })));
}

function script(): void {
  env.fake.script({
    content: MODEL_TEXT,
    thinking: THINKING_TEXT,
    toolCalls: [{ name: 'lookup', arguments: JSON.stringify({ q: TOOL_TEXT }) }],
    usage: { input: 20, cached: 5, output: 9 },
  });
}

describe.each(MAJORS)('%s privacy', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('with capture off (the default), exports neither the texts nor the API key', async () => {
    script();
    await instrumented(mod, () => everyApi(mod));
    expect(env.fake.requests).toHaveLength(CALLS);
    // The secrets really were sent: the checks below would be vacuous otherwise.
    // (0.x sends it as x-api-key, 1.x as a bearer token.)
    const { authorization, 'x-api-key': apiKey } = env.fake.requests[0].headers;
    expect(apiKey ?? String(authorization).replace(/^Bearer /, '')).toBe(SECRET_KEY);
    expect(JSON.stringify(env.fake.requests.map((r) => r.body))).toContain(SYSTEM_TEXT);
    expect(env.harness.spans()).toHaveLength(CALLS);
    const all = await env.harness.exported();
    expect(all).toContain('gen_ai.usage.input_tokens');
    for (const text of TEXTS) expect(all).not.toContain(text);
    expect(all).not.toContain(SECRET_KEY);
    expect(all).not.toContain('PRIVATE-');
    expect(all).not.toContain('PRIVACY-CANARY');
  });

  it('with capture on, exports the texts but never the API key', async () => {
    script();
    await instrumented(mod, () => everyApi(mod), { captureContent: true });
    const spans = env.harness.spans();
    expect(spans).toHaveLength(CALLS);
    const all = await env.harness.exported();
    for (const text of TEXTS) expect(all).toContain(text);
    expect(all).not.toContain(SECRET_KEY);
    expect(all).not.toContain('PRIVACY-CANARY');
    for (const s of spans) {
      expect(s.attributes['gen_ai.system_instructions'] as string).toContain(SYSTEM_TEXT);
      expect(s.attributes['gen_ai.input.messages'] as string).toContain(USER_TEXT);
      const output = s.attributes['gen_ai.output.messages'] as string;
      expect(output).toContain(MODEL_TEXT);
      expect(output).toContain(THINKING_TEXT);
      expect(output).toContain(TOOL_TEXT);
    }
  });

  it('with capture off, a failing call exports neither the texts nor the key', async () => {
    env.fake.script({
      status: 400,
      errorBody: { type: 'error', error: { type: 'invalid_request_error', message: 'no' } },
    });
    await instrumented(mod, () =>
      secretClient(mod)
        .messages.create(body())
        .catch(() => {}),
    );
    expect(env.harness.spans()).toHaveLength(1);
    const all = await env.harness.exported();
    expect(all).toContain('error.type');
    for (const text of TEXTS) expect(all).not.toContain(text);
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
        await receiver.waitFor(() => receiver.spans().length >= CALLS && receiver.metrics().length > 0);
      } finally {
        await otlp.shutdown();
      }
      expect(receiver.spans()).toHaveLength(CALLS);
      // Nothing went to the globally registered harness: the providers passed in were used.
      expect(env.harness.spans()).toHaveLength(0);
      return Buffer.concat(receiver.requests.map((r) => r.body));
    }

    it('with capture off, the exported protobuf bytes contain neither the texts nor the key', async () => {
      script();
      const bytes = await exportOverOtlp({});
      expect(receiver.requests.some((r) => r.path === '/v1/traces')).toBe(true);
      expect(receiver.requests.some((r) => r.path === '/v1/metrics')).toBe(true);
      expect(bytes.includes('gen_ai.usage.input_tokens')).toBe(true);
      for (const text of TEXTS) expect(bytes.includes(text)).toBe(false);
      expect(bytes.includes(SECRET_KEY)).toBe(false);
      expect(bytes.includes('PRIVATE-')).toBe(false);
    });

    it('with capture on, the exported bytes contain the texts but not the key', async () => {
      script();
      const bytes = await exportOverOtlp({ captureContent: true });
      for (const text of TEXTS) expect(bytes.includes(text)).toBe(true);
      expect(bytes.includes(SECRET_KEY)).toBe(false);
    });
  });
});
