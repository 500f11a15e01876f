import { describe, expect, it } from 'vitest';
import { diagnostics, type Env, stable } from '../scenario.js';
import type { RecordedRequest } from '../server.js';
import type { ProviderAdapter } from './adapter.js';
import { drain, forMajor, majorsUnderTest } from './major.js';

/** Raw stream bodies as the caller reads them: SSE `data:` frames, or the SDK's newline-delimited JSON. */
function jsonLines(text: string, sse: boolean): unknown[] {
  return text
    .split('\n')
    .filter((l) => (sse ? l.startsWith('data: {') : l.trim() !== ''))
    .map((l) => JSON.parse(sse ? l.slice(6) : l));
}

/**
 * The same scenario with and without instrumentation: everything the caller can see (results, stream
 * items, errors, raw responses, the SDK's own objects, the request sent) must be identical.
 */
export function describeSameBehaviour(adapter: ProviderAdapter, env: Env): void {
  describe.each(majorsUnderTest(adapter.majors))('%s: same behaviour with and without instrumentation', (major) => {
    const run = forMajor(adapter, env, major);
    const sentBody = (plain: RecordedRequest, raw = false) =>
      adapter.instrumentedBody?.(plain.body, { path: plain.path, raw }) ?? plain.body;

    async function same<T>(scenario: () => Promise<T>): Promise<T> {
      const { plain, instrumented } = await run.bothWays(scenario);
      expect(stable(instrumented)).toEqual(stable(plain));
      expect(diagnostics).toEqual([]);
      if (!plain.ok) throw new Error(`scenario failed: ${plain.error.message}`);
      return plain.value;
    }

    it('plain result', async () => {
      env.fake.script({ usage: { input: 3, output: 2 } });
      await same(() => run.create());
      expect(run.ours()).toHaveLength(1);
    });

    it('item sequence of a stream', async () => {
      env.fake.script({ chunks: 5 });
      const items = await same(async () => drain(await run.create({ stream: true })));
      expect(items.filter(adapter.isOutputChunk).length).toBeGreaterThanOrEqual(5);
    });

    it.each(adapter.httpErrors.map((e) => [e.fault, e.status] as const))(
      'error %s: class, status and message, plain and streamed',
      async (fault, status) => {
        env.fake.script({ fault });
        for (const stream of [false, true]) {
          const { plain, instrumented } = await run.bothWays(() => run.create({ stream }));
          expect(plain.ok).toBe(false);
          expect(instrumented).toEqual(plain);
          if (!plain.ok) expect(plain.error.status).toBe(status);
        }
      },
    );

    it('an error event in the stream', async () => {
      env.fake.script({ fault: 'stream_error', chunks: 5, faultAfterChunks: 2 });
      await same(async () => {
        let seen = 0;
        try {
          for await (const _ of await run.create({ stream: true })) seen++;
          return { seen, error: null };
        } catch (err) {
          return { seen, error: (err as Error).constructor.name, message: (err as Error).message };
        }
      });
    });

    // The Stainless SDKs' own objects: raw responses, tee, a readable stream and the stream's controller.
    describe.runIf(adapter.stainless === true)('the SDK’s promise and stream methods', () => {
      it('withResponse()', async () => {
        env.fake.script({});
        await same(async () => {
          const { data, response } = await run.create().withResponse();
          return { data, status: response.status, type: response.headers.get('content-type') };
        });
      });

      it('asResponse() leaves the raw body to the caller', async () => {
        env.fake.script({});
        const raw = await same(async () => {
          const response = await run.create().asResponse();
          return { status: response.status, body: await response.json() };
        });
        expect(raw.status).toBe(200);
        expect(run.ours()).toHaveLength(1);
      });

      it('asResponse() on a stream: the raw frames, and the request exactly as the caller made it', async () => {
        env.fake.script({ chunks: 3 });
        const frames = await same(async () =>
          jsonLines(await (await run.create({ stream: true }).asResponse()).text(), true),
        );
        expect(frames.length).toBeGreaterThanOrEqual(3);
        const [plain, instrumented] = env.fake.requests;
        expect(instrumented.body).toEqual(sentBody(plain, true));
      });

      it('both tee() branches', async () => {
        env.fake.script({ chunks: 4 });
        await same(async () => {
          const [left, right] = (await run.create({ stream: true })).tee();
          return { a: await drain(left), b: await drain(right) };
        });
      });

      it('toReadableStream()', async () => {
        env.fake.script({ chunks: 3 });
        await same(async () => {
          const readable = (await run.create({ stream: true })).toReadableStream();
          return jsonLines(await new Response(readable).text(), false);
        });
      });

      it('controller.abort() mid-stream', async () => {
        env.fake.script({ chunks: 8, chunkDelayMs: 10 });
        await same(async () => {
          const stream = await run.create({ stream: true });
          let seen = 0;
          try {
            for await (const item of stream) if (adapter.isOutputChunk(item) && ++seen === 3) stream.controller.abort();
            return { seen, threw: null };
          } catch (err) {
            return { seen, threw: (err as Error).constructor.name };
          }
        });
      });
    });

    it.runIf(adapter.stainless !== true)('the caller’s signal aborts mid-stream', async () => {
      env.fake.script({ chunks: 8, chunkDelayMs: 10 });
      await same(async () => {
        const caller = new AbortController();
        const stream = await run.create({ stream: true }, { signal: caller.signal });
        let seen = 0;
        try {
          for await (const item of stream) if (adapter.isOutputChunk(item) && ++seen === 3) caller.abort();
          return { seen, threw: null };
        } catch (err) {
          return { seen, threw: (err as Error).constructor.name };
        }
      });
    });

    it('break after a few items', async () => {
      env.fake.script({ chunks: 8, chunkDelayMs: 5 });
      await same(async () => {
        const seen: unknown[] = [];
        for await (const item of await run.create({ stream: true })) {
          seen.push(item);
          if (seen.length === 2) break;
        }
        return seen;
      });
    });

    it('the request body the provider receives, plain and streamed; the caller’s object is never touched', async () => {
      env.fake.script({});
      await same(() => run.create({ extra: { temperature: 0.5 } }));
      const [a, b] = env.fake.requests;
      expect(b.body).toEqual(sentBody(a));
      env.fake.reset();
      env.fake.script({ chunks: 2 });
      const frozen = Object.freeze(adapter.body({ stream: true }));
      const keys = Object.keys(frozen);
      await same(async () => {
        await drain(await adapter.create(run.client(), frozen));
        return 'done';
      });
      expect(Object.keys(frozen)).toEqual(keys);
      const [plain, instrumented] = env.fake.requests;
      expect(instrumented.body).toEqual(sentBody(plain));
    });

    it('return types: the SDK objects themselves', async () => {
      env.fake.script({ chunks: 2 });
      const { plain, instrumented } = await run.bothWays(async () => {
        const p = run.create({ stream: true });
        const stream = await p;
        const shape = {
          promise: p.constructor.name,
          withResponse: typeof p.withResponse,
          stream: stream.constructor.name,
          controller: stream.controller?.constructor.name,
          tee: typeof stream.tee,
        };
        await drain(stream);
        return shape;
      });
      expect(instrumented).toEqual(plain);
      expect(plain.ok).toBe(true);
    });
  });
}
