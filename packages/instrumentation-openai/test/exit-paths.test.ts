import { endOpenOperations } from '@promptscope/core/provider';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyClient,
  type AnyModule,
  client,
  diagnostics,
  instrumented,
  loadMajor,
  MAJORS,
  only,
  sleep,
  useEnv,
} from './helpers.js';

// Every way a call can end ends its span exactly once, with what happened.
const env = useEnv();

const messages = [{ role: 'user', content: 'hi' }];

describe.each(MAJORS)('%s: every exit path ends the span exactly once', (major) => {
  let mod: AnyModule;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });
  const chat = (body: Record<string, unknown> = {}) =>
    client(mod, env.fake).chat.completions.create({ model: 'gpt-4o-mini', messages, ...body });

  async function settleAndCheck() {
    await sleep(20);
    expect(diagnostics).toEqual([]);
    return only(env.harness.spans());
  }

  it('success', async () => {
    env.fake.script({ chunks: 3 });
    await instrumented(mod, async () => {
      for await (const _ of await chat({ stream: true }));
    });
    const span = await settleAndCheck();
    expect(span.attributes['promptscope.stream.outcome']).toBe('completed');
    expect(span.status.code).toBe(0);
    expect(span.attributes['error.type']).toBeUndefined();
  });

  it.each([
    ['rate_limit', '429', 'RateLimitError'],
    ['server_error', '500', 'InternalServerError'],
    ['unavailable', '503', 'InternalServerError'],
  ] as const)('%s, plain and streamed', async (fault, type, cls) => {
    env.fake.script({ fault, retryAfterSeconds: 2 });
    for (const stream of [false, true]) {
      const err = await instrumented(mod, () => chat({ stream })).catch((e: AnyClient) => e);
      expect(err.constructor.name).toBe(cls);
    }
    await sleep(20);
    expect(diagnostics).toEqual([]);
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.attributes['error.type']).toBe(type);
      expect(span.attributes['http.response.status_code']).toBe(Number(type));
      expect(span.status.code).toBe(2);
    }
  });

  it('connection reset mid-stream', async () => {
    env.fake.script({ fault: 'reset_mid_stream', faultAfterChunks: 2, chunks: 6 });
    const err = await instrumented(mod, async () => {
      for await (const _ of await chat({ stream: true }));
    }).catch((e: AnyClient) => e);
    expect(err).toBeInstanceOf(Error);
    const span = await settleAndCheck();
    expect(span.attributes['promptscope.stream.outcome']).toBe('error');
    expect(span.attributes['error.type']).toBe(err.constructor.name);
    expect(span.status.code).toBe(2);
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    expect(span.attributes['promptscope.stream.chunks']).toBe(2);
  });

  it('connection reset before any response', async () => {
    env.fake.script({ fault: 'reset_before_response' });
    const err = await instrumented(mod, () => chat()).catch((e: AnyClient) => e);
    const span = await settleAndCheck();
    expect(span.attributes['error.type']).toBe(err.constructor.name);
    expect(span.status.code).toBe(2);
  });

  it('abort', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 10 });
    await instrumented(mod, async () => {
      const stream = await chat({ stream: true });
      let n = 0;
      try {
        for await (const _ of stream) if (++n === 2) stream.controller.abort();
      } catch {
        // some majors end the loop quietly, others throw: either way the span must end once
      }
    });
    const span = await settleAndCheck();
    expect(span.attributes['promptscope.stream.outcome']).toBe('aborted');
  });

  it('abort before the response arrives', async () => {
    env.fake.script({ responseDelayMs: 200 });
    const controller = new AbortController();
    const p = instrumented(mod, () =>
      client(mod, env.fake).chat.completions.create({ model: 'gpt-4o-mini', messages }, { signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 30);
    const err = await p.catch((e: AnyClient) => e);
    expect(err.constructor.name).toBe('APIUserAbortError');
    const span = await settleAndCheck();
    expect(span.attributes['error.type']).toBe('APIUserAbortError');
  });

  it('break after a few chunks', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 5 });
    await instrumented(mod, async () => {
      let n = 0;
      for await (const _ of await chat({ stream: true })) if (++n === 2) break;
    });
    const span = await settleAndCheck();
    expect(span.attributes['promptscope.stream.outcome']).toBe('cancelled');
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    expect(typeof span.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
  });

  it('a stream never iterated ends after the abandon timeout', async () => {
    env.fake.script({ chunks: 3 });
    await instrumented(
      mod,
      async () => {
        await chat({ stream: true });
        expect(env.harness.spans()).toHaveLength(0);
        await sleep(250);
      },
      { abandonTimeoutMs: 100 },
    );
    const span = await settleAndCheck();
    expect(span.attributes['promptscope.stream.outcome']).toBe('abandoned');
    // The consumer stopped reading: not a provider failure.
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.status.code).toBe(0);
  });

  it('a consumer that stops reading without return() (a wrapper pulling next() by hand) is abandoned, not failed', async () => {
    env.fake.script({ chunks: 5 });
    let stoppedAt = 0;
    await instrumented(mod, async () => {
      // As LlamaIndex's stream wrapper does: it pulls next() itself and never passes return() on.
      const it = (await chat({ stream: true }))[Symbol.asyncIterator]();
      await it.next();
      await it.next();
      stoppedAt = Date.now();
      await sleep(150);
    });
    // What the abandon sweep or the register hook's shutdown does, here at a known moment.
    expect(endOpenOperations()).toBe(1);
    const span = await settleAndCheck();
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
    await instrumented(mod, async () => {
      await chat({ stream: true });
    });
    expect(env.harness.spans()).toHaveLength(0);
    expect(endOpenOperations()).toBe(1);
    const span = await settleAndCheck();
    expect(span.attributes['promptscope.stream.outcome']).toBe('abandoned');
  });

  it('a stream iterated twice: the SDK error is the caller’s, the span is the first iteration’s', async () => {
    env.fake.script({ chunks: 3 });
    const second = await instrumented(mod, async () => {
      const stream = await chat({ stream: true });
      for await (const _ of stream);
      try {
        for await (const _ of stream);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(second).toMatch(/consumed/);
    const span = await settleAndCheck();
    expect(span.attributes['promptscope.stream.outcome']).toBe('completed');
    expect(span.status.code).toBe(0);
  });
});
