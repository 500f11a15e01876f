import { beforeAll, describe, expect, it } from 'vitest';
import { type Any, bothWays, client, diagnostics, loadMajor, MAJORS, stable, useEnv } from './helpers.js';

// The same scenario with and without instrumentation: everything the caller can see must be identical.
const env = useEnv();
const messages = [{ role: 'user', content: 'Say hello' }];

describe.each(MAJORS)('%s: same behaviour with and without instrumentation', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });
  const create = (body: Record<string, unknown> = {}) =>
    client(mod, env.fake).messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages, ...body });

  async function same<T>(scenario: () => Promise<T>): Promise<T> {
    const { plain, instrumented } = await bothWays(mod, scenario);
    expect(stable(instrumented)).toEqual(stable(plain));
    expect(diagnostics).toEqual([]);
    if (!plain.ok) throw new Error(`scenario failed: ${plain.error.message}`);
    return plain.value;
  }

  it('plain result', async () => {
    env.fake.script({});
    await same(() => create());
  });

  it('event sequence of a stream', async () => {
    env.fake.script({ chunks: 4 });
    const events = await same(async () => {
      const out: unknown[] = [];
      for await (const e of await create({ stream: true })) out.push(e);
      return out;
    });
    expect(events.length).toBeGreaterThan(4);
  });

  it.each([
    ['rate_limit', 429],
    ['server_error', 500],
    ['unavailable', 503],
    ['overloaded', 529],
  ] as const)('error %s', async (fault, status) => {
    env.fake.script({ fault });
    const { plain, instrumented } = await bothWays(mod, () => create());
    expect(plain.ok).toBe(false);
    expect(instrumented).toEqual(plain);
    if (!plain.ok) expect(plain.error.status).toBe(status);
  });

  it('an error event in the stream', async () => {
    env.fake.script({ fault: 'stream_error', chunks: 5, faultAfterChunks: 2 });
    await same(async () => {
      const seen: string[] = [];
      try {
        for await (const e of await create({ stream: true })) seen.push(e.type);
        return { seen, error: null };
      } catch (err) {
        return { seen, error: (err as Error).constructor.name };
      }
    });
  });

  it('withResponse() and asResponse()', async () => {
    env.fake.script({});
    await same(async () => {
      const { data, response } = await create().withResponse();
      return { data, status: response.status };
    });
    await same(async () => {
      const response = await create().asResponse();
      return { status: response.status, body: await response.json() };
    });
  });

  it('both tee() branches', async () => {
    env.fake.script({ chunks: 3 });
    await same(async () => {
      const [left, right] = (await create({ stream: true })).tee();
      const a: unknown[] = [];
      const b: unknown[] = [];
      for await (const e of left) a.push(e);
      for await (const e of right) b.push(e);
      return { a, b };
    });
  });

  it('controller.abort() and break', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 10 });
    await same(async () => {
      const stream = await create({ stream: true });
      let n = 0;
      try {
        for await (const _ of stream) if (++n === 3) stream.controller.abort();
        return { n, threw: null };
      } catch (err) {
        return { n, threw: (err as Error).constructor.name };
      }
    });
    await same(async () => {
      let n = 0;
      for await (const _ of await create({ stream: true })) if (++n === 2) break;
      return n;
    });
  });

  it('the request body is sent untouched', async () => {
    env.fake.script({ chunks: 2 });
    await same(async () => {
      for await (const _ of await create({ stream: true, temperature: 0.1 }));
      return 'done';
    });
    const [a, b] = env.fake.requests;
    expect(b.body).toEqual(a.body);
  });
});
