import { describe, expect, it } from 'vitest';
import { diagnostics, type Env, sleep } from '../scenario.js';
import type { ProviderAdapter, Sdk } from './adapter.js';
import { forMajor, majorsUnderTest } from './major.js';

/** Every way a call can end ends its span exactly once, with what happened. */
export function describeExitPaths(adapter: ProviderAdapter, env: Env): void {
  describe.each(majorsUnderTest(adapter.majors))('%s: every exit path ends the span exactly once', (major) => {
    const run = forMajor(adapter, env, major);
    const consume = async (request = {}) => {
      for await (const _ of await run.create({ stream: true, ...request }));
    };

    it('success', async () => {
      env.fake.script({ chunks: 3 });
      await run.instrumented(() => consume());
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('completed');
      expect(span.status.code).toBe(0);
      expect(span.attributes['error.type']).toBeUndefined();
    });

    it.each(adapter.httpErrors.map((e) => [e.fault, e.status, e.errorClass] as const))(
      '%s, plain and streamed',
      async (fault, status, errorClass) => {
        env.fake.script({ fault, retryAfterSeconds: 2 });
        for (const stream of [false, true]) {
          const err: Sdk = await run.instrumented(() => run.create({ stream })).catch((e: Sdk) => e);
          expect(err).toBeInstanceOf(Error);
          if (errorClass !== undefined) expect(err.constructor.name).toBe(errorClass);
        }
        await sleep(20);
        expect(diagnostics).toEqual([]);
        const spans = run.ours();
        expect(spans).toHaveLength(2);
        for (const span of spans) {
          expect(span.attributes['error.type']).toBe(String(status));
          expect(span.attributes['http.response.status_code']).toBe(status);
          expect(span.status.code).toBe(2);
        }
      },
    );

    it.each([
      ['an error event', 'stream_error'],
      ['a connection reset', 'reset_mid_stream'],
    ] as const)('%s mid-stream', async (_, fault) => {
      if (fault === 'stream_error' && !(adapter.streamErrorMajors?.includes(major) ?? true)) return;
      env.fake.script({ fault, chunks: 6, faultAfterChunks: 2 });
      const err: Sdk = await run.instrumented(() => consume()).catch((e: Sdk) => e);
      expect(err).toBeInstanceOf(Error);
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('error');
      // core's rule: the HTTP status an error carries (Gemini's in-stream errors carry one), else its class.
      expect(span.attributes['error.type']).toBe(
        typeof err.status === 'number' ? String(err.status) : err.constructor.name,
      );
      expect(span.attributes['promptscope.stream.chunks']).toBe(2);
      expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
      expect(span.status.code).toBe(2);
    });

    it('a connection reset before any response', async () => {
      env.fake.script({ fault: 'reset_before_response' });
      const err: Sdk = await run.instrumented(() => run.create()).catch((e: Sdk) => e);
      expect(err).toBeInstanceOf(Error);
      const span = await run.theSpan();
      expect(span.attributes['error.type']).toBe(err.constructor.name);
      expect(span.status.code).toBe(2);
    });

    it('abort mid-stream', async () => {
      env.fake.script({ chunks: 8, chunkDelayMs: 10 });
      await run.instrumented(async () => {
        // Stainless streams have their own controller; other SDKs take the caller's signal.
        const caller = new AbortController();
        const stream = await run.create({ stream: true }, { signal: caller.signal });
        const abort = () => (adapter.stainless ? stream.controller.abort() : caller.abort());
        let n = 0;
        try {
          for await (const item of stream) if (adapter.isOutputChunk(item) && ++n === 2) abort();
        } catch {
          // some majors end the loop quietly, others throw: either way the span must end once
        }
      });
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('aborted');
    });

    it('abort before the response arrives', async () => {
      env.fake.script({ responseDelayMs: 200 });
      const controller = new AbortController();
      const p = run.instrumented(() => run.create({}, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 30);
      const err: Sdk = await p.catch((e: Sdk) => e);
      const abortError = adapter.abortErrorClass ?? 'APIUserAbortError';
      expect(err.constructor.name).toBe(abortError);
      const span = await run.theSpan();
      expect(span.attributes['error.type']).toBe(abortError);
    });

    it('break after a few output chunks', async () => {
      env.fake.script({ chunks: 8, chunkDelayMs: 5 });
      await run.instrumented(async () => {
        let n = 0;
        for await (const item of await run.create({ stream: true }))
          if (adapter.isOutputChunk(item) && ++n === 2) break;
      });
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('cancelled');
      expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
      expect(typeof span.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
    });

    it('a stream never iterated ends after the abandon timeout, as abandoned and not failed', async () => {
      env.fake.script({ chunks: 3 });
      await run.instrumented(
        async () => {
          await run.create({ stream: true });
          expect(run.ours()).toHaveLength(0);
          await sleep(250);
        },
        { abandonTimeoutMs: 100 },
      );
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('abandoned');
      // The consumer stopped reading: not a provider failure.
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.status.code).toBe(0);
    });

    it('a consumer that stops reading without return() (a wrapper pulling next() by hand) is abandoned', async () => {
      env.fake.script({ chunks: 5 });
      let stoppedAt = 0;
      await run.instrumented(async () => {
        // As LlamaIndex's stream wrapper does: it pulls next() itself and never passes return() on.
        const it = (await run.create({ stream: true }))[Symbol.asyncIterator]();
        let outputs = 0;
        while (outputs < 2) {
          const { value, done } = await it.next();
          if (done) break;
          if (adapter.isOutputChunk(value)) outputs++;
        }
        stoppedAt = Date.now();
        await sleep(150);
      });
      // What the abandon sweep or the register hook's shutdown does, here at a known moment.
      expect(adapter.core.endOpenOperations()).toBe(1);
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('abandoned');
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.status.code).toBe(0);
      expect(typeof span.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
      // The span ends where the consumer was last seen, not when we noticed (150 ms later).
      const endedAt = span.endTime[0] * 1000 + span.endTime[1] / 1e6;
      expect(endedAt).toBeLessThan(stoppedAt + 50);
      const points = await env.harness.metricPoints('gen_ai.client.operation.duration');
      expect(points).toHaveLength(1);
      expect(points[0].attributes['error.type']).toBeUndefined();
      expect(await env.harness.metricPoints('gen_ai.client.operation.time_to_first_chunk')).toHaveLength(1);
    });

    it('a stream never iterated ends at shutdown (endOpenOperations)', async () => {
      env.fake.script({ chunks: 3 });
      await run.instrumented(async () => {
        await run.create({ stream: true });
      });
      expect(run.ours()).toHaveLength(0);
      expect(adapter.core.endOpenOperations()).toBe(1);
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('abandoned');
    });

    it('a stream iterated twice: the SDK’s error is the caller’s, the span is the first iteration’s', async () => {
      env.fake.script({ chunks: 3 });
      const second = await run.instrumented(async () => {
        const stream = await run.create({ stream: true });
        for await (const _ of stream);
        try {
          for await (const _ of stream);
          return 'no error';
        } catch (e) {
          return (e as Error).message;
        }
      });
      const expected = adapter.secondIteration ?? /consumed/;
      if (expected === 'nothing') expect(second).toBe('no error');
      else expect(second).toMatch(expected);
      const span = await run.theSpan();
      expect(span.attributes['promptscope.stream.outcome']).toBe('completed');
      expect(span.status.code).toBe(0);
    });
  });
}
