import { beforeAll, describe, expect, it } from 'vitest';
import { type AnyModule, bothWays, client, diagnostics, loadMajor, MAJORS, stable, useEnv } from './helpers.js';

// The same scenario with and without instrumentation: everything the caller can see must be identical.
const env = useEnv();

const messages = [{ role: 'user', content: 'Say hello' }];

describe.each(MAJORS)('%s: same behaviour with and without instrumentation', (major) => {
  let mod: AnyModule;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  const chat = (body: Record<string, unknown> = {}, opts: Record<string, unknown> = {}) =>
    client(mod, env.fake, opts).chat.completions.create({ model: 'gpt-4o-mini', messages, ...body });

  async function same<T>(scenario: () => Promise<T>): Promise<T> {
    const { plain, instrumented } = await bothWays(mod, scenario);
    expect(stable(instrumented)).toEqual(stable(plain));
    expect(diagnostics).toEqual([]);
    if (!plain.ok) throw new Error('scenario failed');
    return plain.value;
  }

  it('plain result', async () => {
    env.fake.script({ usage: { input: 3, output: 2 } });
    await same(() => chat());
    expect(env.harness.spans()).toHaveLength(1);
  });

  it('chunk sequence of a stream', async () => {
    env.fake.script({ chunks: 5 });
    const chunks = await same(async () => {
      const out: unknown[] = [];
      for await (const c of await chat({ stream: true })) out.push(c);
      return out;
    });
    expect(chunks.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['rate_limit', 429],
    ['server_error', 500],
    ['unavailable', 503],
  ] as const)('error %s: class, status and message', async (fault, status) => {
    env.fake.script({ fault });
    const { plain, instrumented } = await bothWays(mod, () => chat());
    expect(plain.ok).toBe(false);
    expect(instrumented).toEqual(plain);
    if (!plain.ok) expect(plain.error.status).toBe(status);
  });

  it('withResponse()', async () => {
    env.fake.script({});
    await same(async () => {
      const { data, response } = await chat().withResponse();
      return { data, status: response.status, type: response.headers.get('content-type') };
    });
  });

  it('asResponse() leaves the raw body to the caller', async () => {
    env.fake.script({});
    const body = await same(async () => {
      const response = await chat().asResponse();
      return { status: response.status, body: await response.json() };
    });
    expect(body.status).toBe(200);
    const span = env.harness.spans()[0];
    expect(span).toBeDefined();
  });

  it('asResponse() on a stream', async () => {
    env.fake.script({ chunks: 3 });
    const frames = await same(async () => {
      const response = await chat({ stream: true }).asResponse();
      const text = await response.text();
      return text
        .split('\n')
        .filter((l: string) => l.startsWith('data: {'))
        .map((l: string) => JSON.parse(l.slice(6)));
    });
    expect(frames.length).toBeGreaterThanOrEqual(3);
    // The usage option we add was taken back before the request went out: no extra chunk in the raw body.
    expect(env.fake.requests[1].body.stream_options).toBeUndefined();
  });

  it('both tee() branches', async () => {
    env.fake.script({ chunks: 4 });
    await same(async () => {
      const [left, right] = (await chat({ stream: true })).tee();
      const a: unknown[] = [];
      const b: unknown[] = [];
      for await (const c of left) a.push(c);
      for await (const c of right) b.push(c);
      return { a, b };
    });
  });

  it('toReadableStream()', async () => {
    env.fake.script({ chunks: 3 });
    await same(async () => {
      const readable = (await chat({ stream: true })).toReadableStream();
      const text = await new Response(readable).text();
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    });
  });

  it('controller.abort() mid-stream', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 10 });
    await same(async () => {
      const stream = await chat({ stream: true });
      const seen: unknown[] = [];
      try {
        for await (const c of stream) {
          seen.push(c);
          if (seen.length === 3) stream.controller.abort();
        }
        return { seen: seen.length, threw: null };
      } catch (err) {
        return { seen: seen.length, threw: (err as Error).constructor.name };
      }
    });
  });

  it('break after a few chunks', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 5 });
    await same(async () => {
      const seen: unknown[] = [];
      for await (const c of await chat({ stream: true })) {
        seen.push(c);
        if (seen.length === 2) break;
      }
      return seen;
    });
  });

  it('the request body the provider receives is the same, apart from the usage option on streams', async () => {
    env.fake.script({});
    await same(() => chat({ temperature: 0.5 }));
    const [a, b] = env.fake.requests;
    expect(b.body).toEqual(a.body);
    env.fake.reset();
    env.fake.script({ chunks: 2 });
    const body = { model: 'gpt-4o-mini', messages, stream: true };
    const frozen = Object.freeze({ ...body });
    await same(async () => {
      for await (const _ of await client(mod, env.fake).chat.completions.create(frozen));
      return 'done';
    });
    // The caller's object is never touched; only our copy carries stream_options.
    expect(Object.keys(frozen)).toEqual(['model', 'messages', 'stream']);
    const [plainReq, instReq] = env.fake.requests;
    expect(plainReq.body.stream_options).toBeUndefined();
    expect(instReq.body).toEqual({ ...plainReq.body, stream_options: { include_usage: true } });
  });

  it('return type: the SDK objects themselves', async () => {
    env.fake.script({ chunks: 2 });
    const { plain, instrumented } = await bothWays(mod, async () => {
      const p = chat({ stream: true });
      const stream = await p;
      const shape = {
        promise: p.constructor.name,
        withResponse: typeof p.withResponse,
        stream: stream.constructor.name,
        controller: stream.controller?.constructor.name,
        tee: typeof stream.tee,
      };
      for await (const _ of stream);
      return shape;
    });
    expect(instrumented).toEqual(plain);
  });
});
