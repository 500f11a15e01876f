import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { otlpExportingProviders } from '../otlp-exporting.js';
import { type OtlpReceiver, startOtlpReceiver } from '../otlp-receiver.js';
import type { Env } from '../scenario.js';
import type { ContractOptions, ProviderAdapter } from './adapter.js';
import { expectNoSpanEndedTwice, forMajor, majorsUnderTest } from './major.js';

/** Distinctive strings: any occurrence in exported telemetry is a leak. */
const USER_TEXT = 'PRIVATE-user-text-Jq7Rm2';
const SYSTEM_TEXT = 'PRIVATE-system-prompt-Xv4Lp8';
const MODEL_TEXT = 'PRIVATE-model-text-Tz3Wc6';
const THINKING_TEXT = 'PRIVATE-thinking-text-Hb9Ns1';
const TOOL_TEXT = 'PRIVATE-tool-args-Ke5Yd0';
const SECRET_KEY = 'sk-PRIVACY-CANARY-7f3a9c1e5b2d';

/**
 * Content only when the user opts in, the API key never: checked on every API the package instruments,
 * in the exported spans, metrics and logs and in the OTLP protobuf bytes a collector would receive.
 */
export function describePrivacy(adapter: ProviderAdapter, env: Env): void {
  const texts = [USER_TEXT, SYSTEM_TEXT, MODEL_TEXT, TOOL_TEXT, ...(adapter.thinking ? [THINKING_TEXT] : [])];
  const calls = adapter.apis.length;
  afterEach(expectNoSpanEndedTwice);

  function script(): void {
    env.fake.script({
      content: MODEL_TEXT,
      thinking: adapter.thinking ? THINKING_TEXT : undefined,
      toolCalls: [{ name: 'lookup', arguments: JSON.stringify({ q: TOOL_TEXT }) }],
      usage: { input: 20, cached: 5, output: 9 },
    });
  }

  describe.each(majorsUnderTest(adapter.majors))('%s privacy', (major) => {
    const run = forMajor(adapter, env, major);
    async function everyApi(): Promise<void> {
      for (const api of adapter.apis) await api.call(run.client(SECRET_KEY), USER_TEXT, SYSTEM_TEXT);
    }

    it('with capture off (the default), exports neither the texts nor the API key', async () => {
      script();
      await run.instrumented(everyApi);
      expect(env.fake.requests).toHaveLength(calls);
      // The secrets really were sent: the checks below would be vacuous otherwise.
      expect(adapter.sentKey(env.fake.requests[0])).toBe(SECRET_KEY);
      expect(JSON.stringify(env.fake.requests.map((r) => r.body))).toContain(SYSTEM_TEXT);
      expect(run.ours()).toHaveLength(calls);
      const all = await env.harness.exported();
      expect(all).toContain('gen_ai.usage.input_tokens');
      for (const text of texts) expect(all).not.toContain(text);
      expect(all).not.toContain(SECRET_KEY);
      expect(all).not.toContain('PRIVATE-');
      expect(all).not.toContain('PRIVACY-CANARY');
    });

    it('with capture on, exports the texts of every chat API but never the API key', async () => {
      script();
      await run.instrumented(everyApi, { captureContent: true });
      const spans = run.ours();
      expect(spans).toHaveLength(calls);
      const all = await env.harness.exported();
      for (const text of texts) expect(all).toContain(text);
      expect(all).not.toContain(SECRET_KEY);
      expect(all).not.toContain('PRIVACY-CANARY');
      const chat = adapter.apis.filter((a) => a.chat).length;
      const chatSpans = spans.filter((s) => s.attributes['gen_ai.input.messages'] !== undefined);
      expect(chatSpans).toHaveLength(chat);
      for (const s of chatSpans) {
        const input = `${s.attributes['gen_ai.system_instructions'] ?? ''}${s.attributes['gen_ai.input.messages']}`;
        expect(input).toContain(SYSTEM_TEXT);
        expect(input).toContain(USER_TEXT);
        const output = s.attributes['gen_ai.output.messages'] as string;
        expect(output).toContain(MODEL_TEXT);
        expect(output).toContain(TOOL_TEXT);
        if (adapter.thinking) expect(output).toContain(THINKING_TEXT);
      }
    });

    it('with capture off, a failing call exports neither the texts nor the key', async () => {
      env.fake.script({ status: 400 });
      await run.instrumented(() =>
        adapter
          .create(run.client(SECRET_KEY), adapter.body({ content: USER_TEXT, system: SYSTEM_TEXT }))
          .catch(() => {}),
      );
      expect(run.ours()).toHaveLength(1);
      const all = await env.harness.exported();
      expect(all).toContain('error.type');
      for (const text of texts) expect(all).not.toContain(text);
      expect(all).not.toContain(SECRET_KEY);
    });

    describe('OTLP bytes on the wire', () => {
      let receiver: OtlpReceiver;
      beforeAll(async () => {
        receiver = await startOtlpReceiver();
      });
      afterAll(() => receiver.close());
      beforeEach(() => receiver.reset());

      async function exportOverOtlp(options: ContractOptions): Promise<Buffer> {
        const otlp = otlpExportingProviders(receiver.url);
        try {
          const { tracerProvider, meterProvider } = otlp;
          await run.instrumented(everyApi, { ...options, tracerProvider, meterProvider });
          await otlp.flush();
          await receiver.waitFor(() => receiver.spans().length >= calls && receiver.metrics().length > 0);
        } finally {
          await otlp.shutdown();
        }
        expect(receiver.spans()).toHaveLength(calls);
        // Nothing went to the globally registered harness: the providers passed in were used.
        expect(run.ours()).toHaveLength(0);
        return Buffer.concat(receiver.requests.map((r) => r.body));
      }

      it('with capture off, the exported protobuf bytes contain neither the texts nor the key', async () => {
        script();
        const bytes = await exportOverOtlp({});
        expect(receiver.requests.some((r) => r.path === '/v1/traces')).toBe(true);
        expect(receiver.requests.some((r) => r.path === '/v1/metrics')).toBe(true);
        expect(bytes.includes('gen_ai.usage.input_tokens')).toBe(true);
        for (const text of texts) expect(bytes.includes(text)).toBe(false);
        expect(bytes.includes(SECRET_KEY)).toBe(false);
        expect(bytes.includes('PRIVATE-')).toBe(false);
      });

      it('with capture on, the exported bytes contain the texts but not the key', async () => {
        script();
        const bytes = await exportOverOtlp({ captureContent: true });
        for (const text of texts) expect(bytes.includes(text)).toBe(true);
        expect(bytes.includes(SECRET_KEY)).toBe(false);
      });
    });
  });
}
