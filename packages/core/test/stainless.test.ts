// observeResult on its own, against the real openai SDK's APIPromise and Stream talking to the fake provider:
// what reaches a provider's handlers, when the span ends, and that the caller keeps the SDK's own objects.
import { useEnv } from '@promptscope/testing/vitest';
import OpenAI from 'openai-v6';
import { describe, expect, it } from 'vitest';
import type { Operation, StreamOutcome } from '../src/operation.js';
import { observeResult, type ResultHandlers } from '../src/stainless.js';
import { Telemetry } from '../src/telemetry.js';

const env = useEnv();

const messages = [{ role: 'user' as const, content: 'hi' }];
const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: env.fake.url, maxRetries: 0 });
const start = (stream = false): Operation =>
  new Telemetry({}, {}).start({ operation: 'chat', provider: 'openai', model: 'gpt-4o-mini', stream });

/** Handlers that record what they were given, in order. */
function recording(opts: { hide?: (item: unknown) => boolean; throwOnResult?: boolean } = {}) {
  const seen: { event: string; value?: unknown }[] = [];
  const handlers: ResultHandlers = {
    onResult(_op, result) {
      seen.push({ event: 'result', value: result });
      if (opts.throwOnResult) throw new Error('handler broke');
    },
    streamObserver() {
      seen.push({ event: 'stream' });
      return {
        onItem(item) {
          seen.push({ event: 'item', value: item });
          return !opts.hide?.(item);
        },
        onEnd(outcome: StreamOutcome) {
          seen.push({ event: 'end', value: outcome });
        },
      };
    },
    onRaw() {
      seen.push({ event: 'raw' });
    },
  };
  return { seen, handlers, events: () => seen.map((s) => s.event) };
}

describe('observeResult on a Stainless APIPromise', () => {
  it('reads nothing until the caller awaits, then hands the parsed result over once and ends the span', async () => {
    env.fake.script({ content: 'hello' });
    const p = client().chat.completions.create({ model: 'gpt-4o-mini', messages });
    const r = recording();
    expect(observeResult(p, start(), r.handlers)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The response has arrived, but the caller has not asked for it: nothing parsed, nothing ended.
    expect(r.events()).toEqual([]);
    expect(env.harness.spans()).toHaveLength(0);
    const result = await p;
    const { data } = await p.withResponse();
    expect(data).toBe(result);
    expect(r.events()).toEqual(['result']);
    expect(r.seen[0].value).toBe(result);
    const [span] = env.harness.spans();
    expect(env.harness.spans()).toHaveLength(1);
    expect(span.attributes['http.response.status_code']).toBe(200);
  });

  it('keeps the SDK’s own promise: same instance and methods, the same result as without observation', async () => {
    env.fake.script({ content: 'same' });
    const plain = await client().chat.completions.create({ model: 'gpt-4o-mini', messages });
    const p = client().chat.completions.create({ model: 'gpt-4o-mini', messages });
    const before = { ctor: p.constructor, withResponse: typeof p.withResponse, asResponse: typeof p.asResponse };
    observeResult(p, start(), recording().handlers);
    expect({ ctor: p.constructor, withResponse: typeof p.withResponse, asResponse: typeof p.asResponse }).toEqual(
      before,
    );
    const observed = await p;
    expect({ ...observed, id: '', created: 0 }).toEqual({ ...plain, id: '', created: 0 });
  });

  it('asResponse(): tells the provider at once, never parses, leaves the body to the caller and ends as raw', async () => {
    env.fake.script({ content: 'raw body' });
    const p = client().chat.completions.create({ model: 'gpt-4o-mini', messages });
    const r = recording();
    observeResult(p, start(), r.handlers);
    const response = p.asResponse();
    expect(r.events()).toEqual(['raw']);
    const body = (await (await response).json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0].message.content).toBe('raw body');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.events()).toEqual(['raw']);
    const [span] = env.harness.spans();
    expect(span.attributes['http.response.status_code']).toBe(200);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('an HTTP error fails the operation with the status and calls no handler', async () => {
    env.fake.script({ fault: 'rate_limit' });
    const p = client().chat.completions.create({ model: 'gpt-4o-mini', messages });
    const r = recording();
    observeResult(p, start(), r.handlers);
    const err = await p.catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.events()).toEqual([]);
    const [span] = env.harness.spans();
    expect(span.attributes['error.type']).toBe('429');
    expect(span.status.code).toBe(2);
  });

  it('a derived promise (_thenUnwrap) hands the provider the untransformed result, the caller the transformed', async () => {
    env.fake.script({ content: 'derived' });
    const p = client().chat.completions.create({ model: 'gpt-4o-mini', messages });
    const r = recording();
    observeResult(p, start(), r.handlers);
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's internal helper behind .parse() and friends
    const derived = (p as any)._thenUnwrap((data: { id: string }) => ({ wrapped: data.id }));
    const out = await derived;
    expect(r.events()).toEqual(['result']);
    const original = r.seen[0].value as { id: string; choices: unknown[] };
    expect(out).toEqual({ wrapped: original.id });
    expect(original.choices).toHaveLength(1);
    expect(env.harness.spans()).toHaveLength(1);
  });

  it('a handler that throws is our failure: recorded on the span, the span still ends, the caller gets the result', async () => {
    env.fake.script({});
    const p = client().chat.completions.create({ model: 'gpt-4o-mini', messages });
    observeResult(p, start(), recording({ throwOnResult: true }).handlers);
    const result = await p;
    expect(result.choices[0].message.content).toBe('Hello from the fake provider.');
    const [span] = env.harness.spans();
    expect(span.attributes['promptscope.instrumentation.error']).toBe('result: handler broke');
    expect(span.status.code).toBe(0);
  });
});

describe('observeResult on a Stainless Stream', () => {
  const stream = () => client().chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });

  it('shows the observer every item in order, hides what it asks to hide, and ends once as completed', async () => {
    env.fake.script({ chunks: 4 });
    const p = stream();
    const r = recording({ hide: (item) => (item as { choices: unknown[] }).choices.length === 0 });
    observeResult(p, start(true), r.handlers);
    const items: unknown[] = [];
    for await (const chunk of await p) items.push(chunk);
    const offered = r.seen.filter((s) => s.event === 'item').map((s) => s.value);
    expect(items).toEqual(offered.filter((item) => (item as { choices: unknown[] }).choices.length > 0));
    expect(r.events()[0]).toBe('stream');
    expect(r.seen.at(-1)).toEqual({ event: 'end', value: 'completed' });
    expect(env.harness.spans()).toHaveLength(1);
  });

  it.each([
    ['break', 'cancelled'],
    ['abort', 'aborted'],
  ] as const)('%s: the observer hears %s once', async (how, outcome) => {
    env.fake.script({ chunks: 6, chunkDelayMs: 5 });
    const p = stream();
    const r = recording();
    observeResult(p, start(true), r.handlers);
    const s = await p;
    let n = 0;
    try {
      for await (const _ of s) {
        if (++n < 2) continue;
        if (how === 'abort') s.controller.abort();
        else break;
      }
    } catch {
      // an aborted read may throw, depending on timing
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.seen.filter((e) => e.event === 'end')).toEqual([{ event: 'end', value: outcome }]);
    expect(env.harness.spans()).toHaveLength(1);
  });

  it('a second iteration is the SDK’s to refuse and carries no telemetry', async () => {
    env.fake.script({ chunks: 2 });
    const p = stream();
    const r = recording();
    observeResult(p, start(true), r.handlers);
    const s = await p;
    for await (const _ of s);
    const items = r.seen.filter((e) => e.event === 'item').length;
    await expect(
      (async () => {
        for await (const _ of s);
      })(),
    ).rejects.toThrow(/consumed/);
    expect(r.seen.filter((e) => e.event === 'item')).toHaveLength(items);
    expect(env.harness.spans()).toHaveLength(1);
  });
});

describe('observeResult on shapes it does not know', () => {
  it('a plain thenable is observed through then()', async () => {
    const r = recording();
    const value = Promise.resolve({ id: 'x' });
    observeResult(value, start(), r.handlers);
    await value;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(r.events()).toEqual(['result']);
    expect(env.harness.spans()).toHaveLength(1);
  });

  it('a value that is not a promise ends the span with our error, and calls no handler', () => {
    const r = recording();
    observeResult({ not: 'a promise' }, start(), r.handlers);
    expect(r.events()).toEqual([]);
    const [span] = env.harness.spans();
    expect(span.attributes['promptscope.instrumentation.error']).toMatch(/unknown-result-shape/);
  });
});
