import { beforeAll, describe, expect, it } from 'vitest';
import { type Any, client, diagnostics, instrumented, loadMajor, MAJORS, only, sleep, useEnv } from './helpers.js';

// Every way a call can end ends its span exactly once, with what happened.
const env = useEnv();
const messages = [{ role: 'user', content: 'hi' }];

describe.each(MAJORS)('%s: every exit path ends the span exactly once', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });
  const create = (body: Record<string, unknown> = {}) =>
    client(mod, env.fake).messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages, ...body });

  async function theSpan() {
    await sleep(20);
    expect(diagnostics).toEqual([]);
    return only(env.harness.spans());
  }

  it.each([
    ['rate_limit', '429'],
    ['server_error', '500'],
    ['unavailable', '503'],
    ['overloaded', '529'],
  ] as const)('%s', async (fault, type) => {
    env.fake.script({ fault });
    await instrumented(mod, () => create()).catch(() => {});
    const span = await theSpan();
    expect(span.attributes['error.type']).toBe(type);
    expect(span.attributes['http.response.status_code']).toBe(Number(type));
    expect(span.status.code).toBe(2);
  });

  it('an error event mid-stream', async () => {
    env.fake.script({ fault: 'stream_error', chunks: 5, faultAfterChunks: 2 });
    const err = await instrumented(mod, async () => {
      for await (const _ of await create({ stream: true }));
    }).catch((e: Any) => e);
    const span = await theSpan();
    expect(span.attributes['promptscope.stream.outcome']).toBe('error');
    expect(span.attributes['error.type']).toBe(err.constructor.name);
    expect(span.attributes['promptscope.stream.chunks']).toBe(2);
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
  });

  it('a connection reset mid-stream', async () => {
    env.fake.script({ fault: 'reset_mid_stream', chunks: 6, faultAfterChunks: 2 });
    const err = await instrumented(mod, async () => {
      for await (const _ of await create({ stream: true }));
    }).catch((e: Any) => e);
    const span = await theSpan();
    expect(span.attributes['error.type']).toBe(err.constructor.name);
    expect(span.status.code).toBe(2);
  });

  it('break', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 5 });
    await instrumented(mod, async () => {
      let n = 0;
      for await (const _ of await create({ stream: true })) if (++n === 2) break;
    });
    const span = await theSpan();
    expect(span.attributes['promptscope.stream.outcome']).toBe('cancelled');
  });

  it('abort', async () => {
    env.fake.script({ chunks: 8, chunkDelayMs: 10 });
    await instrumented(mod, async () => {
      const stream = await create({ stream: true });
      let n = 0;
      try {
        for await (const e of stream) if (e.type === 'content_block_delta' && ++n === 2) stream.controller.abort();
      } catch {
        // some versions end the loop quietly, others throw
      }
    });
    const span = await theSpan();
    expect(span.attributes['promptscope.stream.outcome']).toBe('aborted');
  });

  it('a stream never iterated', async () => {
    env.fake.script({ chunks: 2 });
    await instrumented(
      mod,
      async () => {
        await create({ stream: true });
        await sleep(250);
      },
      { abandonTimeoutMs: 100 },
    );
    const span = await theSpan();
    expect(span.attributes['promptscope.stream.outcome']).toBe('abandoned');
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.status.code).toBe(0);
  });
});
