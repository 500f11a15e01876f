import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Env, only, stable } from '../scenario.js';
import { DEFAULT_CONTENT } from '../script.js';
import { type ChatRequest, type ContractOptions, failed, type ProviderAdapter } from './adapter.js';
import { counter, expectNoSpanEndedTwice, forMajor, majorsUnderTest } from './major.js';

/** The content byte budget core applies to each content attribute by default. */
const BUDGET = 16384;
const MB = 1024 * 1024;
const CONTENT_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions'];

/**
 * Garbage from the provider, content too big to record, unknown models and failures of the
 * instrumentation's own code: the caller sees exactly what it would without us, and the span says what
 * happened.
 */
export function describeBadInput(adapter: ProviderAdapter, env: Env): void {
  afterEach(() => {
    vi.restoreAllMocks();
    expectNoSpanEndedTwice();
  });

  describe.each(majorsUnderTest(adapter.majors))('%s bad input', (major) => {
    const run = forMajor(adapter, env, major);
    const plainApis = adapter.apis.filter((a) => !a.stream);
    const streamApis = adapter.apis.filter((a) => a.stream);
    const table = (apis: typeof adapter.apis) => apis.map((a) => [a.name, a] as const);

    it.each(table(plainApis.filter((a) => a.rawBody !== true)))(
      'a malformed JSON body, %s: the same error, the span ends once with it',
      async (_, api) => {
        env.fake.script({ fault: 'malformed_json' });
        const { plain, instrumented } = await run.bothWays(() => api.call(run.client(), 'hi', 'be brief'));
        const error = failed(plain);
        expect(instrumented).toEqual(plain);
        expect(error.class).not.toBe('Object');
        const span = only(run.ours());
        expect(span.attributes['error.type']).toBe(error.class);
        expect(span.status.code).toBe(2);
        expect(span.status.message).toBe(error.message);
        expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
        const d = await env.harness.metricPoints('gen_ai.client.operation.duration');
        expect(d.filter((p) => p.attributes['error.type'] === error.class)).toHaveLength(1);
      },
    );

    it.each(table(streamApis))(
      'malformed SSE, %s: the same SyntaxError, the span ends once with it',
      async (_, api) => {
        env.fake.script({ fault: 'malformed_sse', chunks: 4, faultAfterChunks: 2 });
        // The SDK itself logs the unparsable frame, with and without us.
        vi.spyOn(console, 'error').mockImplementation(() => {});
        const { plain, instrumented } = await run.bothWays(() => api.call(run.client(), 'hi', 'be brief'));
        // The caller's error is the SDK's (a helper may wrap the SyntaxError); the span names what broke.
        failed(plain);
        expect(instrumented).toEqual(plain);
        const span = only(run.ours());
        expect(span.attributes['error.type']).toBe(adapter.malformedStreamErrorClass ?? 'SyntaxError');
        expect(span.status.code).toBe(2);
        expect(span.attributes['promptscope.stream.outcome']).toBe('error');
      },
    );

    it('malformed SSE in the main stream: what the caller saw before it, and the chunks on the span', async () => {
      env.fake.script({ fault: 'malformed_sse', chunks: 4, faultAfterChunks: 2 });
      vi.spyOn(console, 'error').mockImplementation(() => {});
      const { plain, instrumented } = await run.bothWays(async () => {
        const seen: unknown[] = [];
        try {
          for await (const item of await run.create({ stream: true })) seen.push(stable(item));
        } catch (err) {
          (err as { seen?: unknown[] }).seen = seen;
          throw err;
        }
        return seen;
      });
      expect(failed(plain).class).toBe(adapter.malformedStreamErrorClass ?? 'SyntaxError');
      expect(instrumented).toEqual(plain);
      const a = only(run.ours()).attributes;
      expect(a['promptscope.stream.chunks']).toBe(2);
      expect(a['gen_ai.response.finish_reasons']).toEqual(['error']);
    });

    it('an unknown model is unpriced, not free', async () => {
      env.fake.script({ usage: { input: 10, output: 5 } });
      const model = `my-private-${adapter.name}-model-x`;
      const { plain, instrumented } = await run.bothWays(async () => stable(await run.create({ model })));
      expect(plain.ok).toBe(true);
      expect(instrumented).toEqual(plain);
      const a = only(run.ours()).attributes;
      expect(a['gen_ai.usage.input_tokens']).toBe(10);
      expect(a['promptscope.cost.unpriced']).toBe(true);
      expect(a['promptscope.cost.usd']).toBeUndefined();
      expect(a['promptscope.cost.input_usd']).toBeUndefined();
      expect(a['promptscope.pricing.match']).toBeUndefined();
      const unpriced = await counter(env, 'promptscope.client.unpriced_calls');
      expect(unpriced).toHaveLength(1);
      expect(unpriced[0].value).toBe(1);
      expect(unpriced[0].attributes['gen_ai.request.model']).toBe(model);
      expect(await env.harness.metricPoints('promptscope.client.cost_usd')).toHaveLength(0);
    });

    describe('oversized content with capture on', () => {
      async function captured(request: ChatRequest): Promise<Record<string, unknown>> {
        env.fake.script({});
        const { plain, instrumented } = await run.bothWays(async () => stable(await run.create(request)), {
          captureContent: true,
        });
        expect(plain.ok).toBe(true);
        expect(instrumented).toEqual(plain);
        // The request that reached the provider is the caller's, byte for byte.
        expect(env.fake.requests[1].body).toEqual(env.fake.requests[0].body);
        const a = only(run.ours()).attributes;
        for (const key of CONTENT_KEYS) {
          const json = a[key];
          if (json === undefined) continue;
          expect(typeof json).toBe('string');
          expect(() => JSON.parse(json as string)).not.toThrow();
          expect(Buffer.byteLength(json as string, 'utf8')).toBeLessThanOrEqual(BUDGET);
        }
        expect(a['promptscope.content.truncated']).toBe(true);
        // The output is small and still recorded whole; usage is unaffected.
        expect(JSON.parse(a['gen_ai.output.messages'] as string)[0].parts[0].content).toBe(DEFAULT_CONTENT);
        expect(a['gen_ai.usage.input_tokens']).toBe(12);
        return a;
      }

      it('a 1 MB prompt is recorded within the byte budget as valid JSON', async () => {
        const a = await captured({ content: `start ${'x'.repeat(MB)} end` });
        const [message] = JSON.parse(a['gen_ai.input.messages'] as string);
        expect(message.role).toBe('user');
        expect(message.parts[0].type).toBe('text');
        expect(message.parts[0].content).toMatch(/^start x+…\[truncated\]$/);
      });

      it('a 1 MB prompt of multi-byte characters stays within the byte budget', async () => {
        const a = await captured({ content: 'é€😀'.repeat(MB / 8) });
        expect(JSON.parse(a['gen_ai.input.messages'] as string)[0].role).toBe('user');
      });

      it('a 1 MB system prompt of multi-byte characters stays within the byte budget', async () => {
        const a = await captured({ content: 'hi', system: 'é€😀'.repeat(MB / 8) });
        const json = String(a['gen_ai.system_instructions'] ?? a['gen_ai.input.messages']);
        expect(json).toContain('é€😀');
      });

      it('a 1 MB base64 image is a blob part, within the byte budget', async () => {
        const data = Buffer.alloc(768 * 1024, 7).toString('base64');
        const a = await captured({
          content: [adapter.textPart('describe this'), adapter.imagePart(data, 'image/png')],
        });
        const [message] = JSON.parse(a['gen_ai.input.messages'] as string);
        expect(message.parts[0]).toEqual({ type: 'text', content: 'describe this' });
        const blob = message.parts[1];
        expect(blob).toMatchObject({ type: 'blob', modality: 'image', mime_type: 'image/png' });
        expect(data.startsWith(blob.content.replace('…[truncated]', ''))).toBe(true);
        expect(blob.content.length).toBeLessThan(data.length);
      });
    });

    describe('a failure inside the instrumentation itself', () => {
      function inject(target: { prototype: object }, method: string, message: string): void {
        vi.spyOn(target.prototype as Record<string, () => unknown>, method).mockImplementation(() => {
          throw new Error(message);
        });
      }
      const failSetResponse = () => inject(adapter.core.Operation, 'setResponse', 'injected setResponse failure');
      const failPrice = () => inject(adapter.core.PriceBook, 'price', 'injected price failure');

      async function unaffected(
        scenario: () => Promise<unknown>,
        options: ContractOptions = {},
      ): Promise<{ span: ReadableSpan; stages: string[] }> {
        const { plain, instrumented } = await run.bothWays(async () => stable(await scenario()), options);
        expect(plain.ok).toBe(true);
        expect(instrumented).toEqual(plain);
        const span = only(run.ours());
        // A failure of ours is not a failure of the call.
        expect(span.status.code).toBe(0);
        const errors = await counter(env, 'promptscope.instrumentation.errors');
        expect(errors.reduce((n, p) => n + p.value, 0)).toBe(1);
        const d = await env.harness.metricPoints('gen_ai.client.operation.duration');
        expect(d.filter((p) => p.attributes['error.type'] === undefined)).toHaveLength(1);
        return { span, stages: errors.map((p) => String(p.attributes.stage)) };
      }

      it.each(table(plainApis))('Operation.setResponse throwing on %s', async (_, api) => {
        env.fake.script({});
        failSetResponse();
        const { span, stages } = await unaffected(() => api.call(run.client(), 'hi', 'be brief'));
        expect(span.attributes['promptscope.instrumentation.error']).toBe('result: injected setResponse failure');
        expect(stages).toEqual(['result']);
      });

      it('Operation.setResponse throwing at the end of a stream keeps the usage', async () => {
        env.fake.script({ chunks: 3, usage: { input: 30, cached: 10, output: 22 } });
        failSetResponse();
        const { span, stages } = await unaffected(async () => {
          const items: unknown[] = [];
          for await (const item of await run.create({ stream: true })) items.push(item);
          return items;
        });
        expect(stages).toEqual(['stream-end']);
        expect(span.attributes['promptscope.instrumentation.error']).toMatch(/injected setResponse failure/);
        expect(span.attributes['promptscope.stream.outcome']).toBe('completed');
        // Only the response fields were lost.
        expect(span.attributes['gen_ai.usage.output_tokens']).toBe(22);
        expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(10);
      });

      it('PriceBook.price throwing: tokens and finish reasons kept, no cost', async () => {
        env.fake.script({});
        failPrice();
        const { span } = await unaffected(() => run.create());
        const a = span.attributes;
        expect(a['promptscope.instrumentation.error']).toMatch(/injected price failure/);
        expect(a['gen_ai.usage.input_tokens']).toBe(12);
        expect((a['gen_ai.response.finish_reasons'] as string[]).length).toBe(1);
        expect(a['promptscope.cost.usd']).toBeUndefined();
      });

      it('PriceBook.price throwing does not drop the captured content', async () => {
        env.fake.script({});
        failPrice();
        const { span } = await unaffected(() => run.create({ content: 'keep me' }), { captureContent: true });
        expect(span.attributes['gen_ai.input.messages'] as string).toContain('keep me');
      });
    });

    describe('redaction hooks', () => {
      it('a hook that throws: content is omitted, the call is unaffected', async () => {
        env.fake.script({});
        const redact = () => {
          throw new Error('redactor broke');
        };
        const { plain, instrumented } = await run.bothWays(
          async () => stable(await run.create({ content: 'secret text' })),
          { captureContent: true, redact },
        );
        expect(plain.ok).toBe(true);
        expect(instrumented).toEqual(plain);
        const span = only(run.ours());
        const a = span.attributes;
        expect(a['gen_ai.input.messages']).toBeUndefined();
        expect(a['gen_ai.output.messages']).toBeUndefined();
        expect(JSON.stringify(a)).not.toContain('secret text');
        expect(a['promptscope.instrumentation.error']).toBe('redact: redactor broke');
        expect(a['gen_ai.usage.input_tokens']).toBe(12);
        expect(span.status.code).toBe(0);
        const errors = await counter(env, 'promptscope.instrumentation.errors');
        expect(errors).toEqual([{ attributes: { stage: 'redact' }, value: 2 }]);
      });

      it('a hook that masks: the masked value is recorded', async () => {
        env.fake.script({ content: 'reply to card 4111-1111-1111-1111' });
        const kinds: string[] = [];
        const redact = (kind: string, value: unknown) => {
          kinds.push(kind);
          return JSON.parse(JSON.stringify(value).replace(/\d{4}-\d{4}-\d{4}-\d{4}/g, '[CARD]'));
        };
        await run.bothWays(async () => stable(await run.create({ content: 'my card is 4111-1111-1111-1111' })), {
          captureContent: true,
          redact,
        });
        expect(kinds.sort()).toEqual(['input', 'output']);
        const a = only(run.ours()).attributes;
        expect(JSON.parse(a['gen_ai.input.messages'] as string)).toEqual([
          { role: 'user', parts: [{ type: 'text', content: 'my card is [CARD]' }] },
        ]);
        expect(JSON.parse(a['gen_ai.output.messages'] as string)[0].parts[0].content).toBe('reply to card [CARD]');
        // The whole card, not its first digits: a random hex response id may contain '4111'.
        expect(JSON.stringify(a)).not.toContain('4111-1111');
        expect(a['promptscope.instrumentation.error']).toBeUndefined();
      });
    });
  });
}
