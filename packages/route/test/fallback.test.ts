import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR, METRIC } from '@promptscope/core';
import { instrument as instrumentAnthropic } from '@promptscope/instrumentation-anthropic';
import { instrument as instrumentOpenAI } from '@promptscope/instrumentation-openai';
import type { Script } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import * as anthropicModule from 'anthropic-v1';
import * as openaiModule from 'openai-v6';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callWithFallback, createRoute, type RouteOptions, type RouteTarget, resetBreakers } from '../src/index.js';

// The real SDKs (retries off, as the README asks) against the fake provider, with both instrumentations
// on: the span tree is what a user would see. Sleeps and jitter are injected so the tests are fast and
// exact; one test waits a real `retry-after`.
const env = useEnv();
const OpenAI = openaiModule.OpenAI;
const Anthropic = anthropicModule.Anthropic;
let handles: { uninstrument(): void }[] = [];

beforeAll(() => {
  handles = [instrumentOpenAI(openaiModule), instrumentAnthropic(anthropicModule)];
});
afterAll(() => {
  for (const h of handles) h.uninstrument();
});
beforeEach(() => {
  resetBreakers();
  sleeps.length = 0;
});

const CHAT = '/v1/chat/completions';
const MESSAGES = '/v1/messages';
const messages = [{ role: 'user' as const, content: 'hi' }];

function targets(): RouteTarget<string>[] {
  return [
    {
      name: 'openai',
      provider: 'openai',
      model: 'gpt-4.1-mini',
      call: async ({ signal }) => {
        const client = new OpenAI({ apiKey: 'sk-test', baseURL: env.fake.url, maxRetries: 0 });
        const r = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages }, { signal });
        return `openai: ${r.choices[0].message.content}`;
      },
    },
    {
      name: 'anthropic',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      call: async ({ signal }) => {
        const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: env.fake.origin, maxRetries: 0 });
        const m = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages }, { signal });
        const block = m.content[0];
        return `anthropic: ${block.type === 'text' ? block.text : block.type}`;
      },
    },
  ];
}

const sleeps: number[] = [];
const fast = {
  random: () => 0,
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
};

function route(name: string, extra: Partial<RouteOptions<string>> = {}) {
  return callWithFallback<string>({ name, targets: targets(), ...fast, ...extra });
}

const paths = () => env.fake.requests.map((r) => r.path);
const enqueue = (...s: Script[]) => env.fake.enqueue(...s);

function tree(): { route: ReadableSpan; children: ReadableSpan[] } {
  const spans = env.harness.spans();
  const routes = spans.filter((s) => s.name.startsWith('route '));
  expect(routes).toHaveLength(1);
  const root = routes[0];
  const children = spans.filter((s) => s !== root);
  for (const c of children) {
    expect(c.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(c.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  }
  // Children in start order (the exporter lists them in end order).
  children.sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return { route: root, children };
}

function attempts(children: ReadableSpan[]) {
  return children.map((s) => ({
    span: s.name,
    number: s.attributes[ATTR.ATTEMPT_NUMBER],
    kind: s.attributes[ATTR.ATTEMPT_KIND],
    target: s.attributes[ATTR.ROUTE_TARGET],
    delay: s.attributes[ATTR.RETRY_DELAY_MS],
    error: s.attributes[ATTR.ERROR_TYPE],
  }));
}

/** Every point of a counter as `{...attributes, n}`, sorted, so tests compare exact call counts. */
async function counter(name: string) {
  const points = await env.harness.metricPoints(name);
  return points
    .map((p) => ({ ...p.attributes, n: p.value as number }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function freshTelemetry() {
  await env.harness.reset();
}

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('fallback across providers', () => {
  it('primary 500s through its retries, then the fallback succeeds: spans and counters call for call', async () => {
    enqueue({ fault: 'server_error' }, { fault: 'server_error' }, { fault: 'server_error' }, { content: 'hello' });
    const result = await route('support-reply');

    expect(result).toBe('anthropic: hello');
    expect(paths()).toEqual([CHAT, CHAT, CHAT, MESSAGES]);
    expect(sleeps).toEqual([500, 1000]);

    const { route: root, children } = tree();
    expect(root.name).toBe('route support-reply');
    expect(root.kind).toBe(0); // INTERNAL
    expect(root.attributes).toEqual({
      [ATTR.ROUTE_NAME]: 'support-reply',
      [ATTR.ROUTE_ATTEMPTS]: 4,
      [ATTR.ROUTE_FALLBACK]: true,
      [ATTR.ROUTE_TARGET]: 'anthropic',
    });
    expect(root.status.code).toBe(0);
    expect(attempts(children)).toEqual([
      { span: 'chat gpt-4.1-mini', number: 1, kind: 'initial', target: 'openai', delay: undefined, error: '500' },
      { span: 'chat gpt-4.1-mini', number: 2, kind: 'retry', target: 'openai', delay: 500, error: '500' },
      { span: 'chat gpt-4.1-mini', number: 3, kind: 'retry', target: 'openai', delay: 1000, error: '500' },
      {
        span: 'chat claude-haiku-4-5',
        number: 4,
        kind: 'fallback',
        target: 'anthropic',
        delay: undefined,
        error: undefined,
      },
    ]);
    for (const c of children) expect(c.attributes[ATTR.ROUTE_NAME]).toBe('support-reply');

    const base = { [ATTR.ROUTE_NAME]: 'support-reply' };
    expect(await counter(METRIC.ROUTE_ATTEMPTS)).toEqual(
      sorted([
        {
          ...base,
          [ATTR.ROUTE_TARGET]: 'openai',
          [ATTR.ATTEMPT_KIND]: 'initial',
          [ATTR.ATTEMPT_OUTCOME]: 'error',
          n: 1,
        },
        { ...base, [ATTR.ROUTE_TARGET]: 'openai', [ATTR.ATTEMPT_KIND]: 'retry', [ATTR.ATTEMPT_OUTCOME]: 'error', n: 2 },
        {
          ...base,
          [ATTR.ROUTE_TARGET]: 'anthropic',
          [ATTR.ATTEMPT_KIND]: 'fallback',
          [ATTR.ATTEMPT_OUTCOME]: 'success',
          n: 1,
        },
      ]),
    );
    expect(await counter(METRIC.PROVIDER_ERRORS)).toEqual([
      { ...base, [ATTR.PROVIDER_NAME]: 'openai', [ATTR.ROUTE_TARGET]: 'openai', [ATTR.ERROR_TYPE]: '500', n: 3 },
    ]);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toEqual([
      {
        ...base,
        [ATTR.FALLBACK_FROM]: 'openai',
        [ATTR.FALLBACK_TO]: 'anthropic',
        [ATTR.FALLBACK_REASON]: 'retries_exhausted',
        n: 1,
      },
    ]);
  });

  it('400 goes straight to the caller: one attempt, no retry, no fallback', async () => {
    enqueue({ status: 400 });
    const err = await route('r400').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(paths()).toEqual([CHAT]);
    expect(sleeps).toEqual([]);
    const { route: root, children } = tree();
    expect(children).toHaveLength(1);
    expect(root.attributes).toMatchObject({
      [ATTR.ROUTE_ATTEMPTS]: 1,
      [ATTR.ROUTE_FALLBACK]: false,
      [ATTR.ROUTE_TARGET]: 'openai',
      [ATTR.ERROR_TYPE]: '400',
    });
    expect(root.status.code).toBe(2);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toEqual([]);
    expect(await counter(METRIC.PROVIDER_ERRORS)).toMatchObject([{ [ATTR.ERROR_TYPE]: '400', n: 1 }]);
  });

  it.each([401, 403, 404, 422])('%i is never retried nor fallen back', async (status) => {
    enqueue({ status });
    await expect(route(`r${status}`)).rejects.toMatchObject({ status });
    expect(paths()).toEqual([CHAT]);
  });

  it('429 waits what retry-after asks (injected sleep), then succeeds on the same target', async () => {
    enqueue({ fault: 'rate_limit', retryAfterSeconds: 3 }, { content: 'ok' });
    expect(await route('r429')).toBe('openai: ok');
    expect(sleeps).toEqual([3000]);
    const { children } = tree();
    expect(attempts(children).map((a) => [a.kind, a.delay, a.error])).toEqual([
      ['initial', undefined, '429'],
      ['retry', 3000, undefined],
    ]);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toEqual([]);
  });

  it('respectRetryAfter: false uses the backoff instead', async () => {
    enqueue({ fault: 'rate_limit', retryAfterSeconds: 3 }, {});
    await route('r429b', { retry: { respectRetryAfter: false, initialDelayMs: 100, jitter: 0.5 }, random: () => 0.5 });
    expect(sleeps).toEqual([75]);
  });

  it('a real retry-after: 1 is waited between the two requests', async () => {
    enqueue({ fault: 'rate_limit', retryAfterSeconds: 1 }, { content: 'late' });
    // The real sleep; a backoff of 10 ms would show if retry-after were ignored.
    const result = await callWithFallback<string>({
      name: 'real-wait',
      targets: targets(),
      retry: { initialDelayMs: 10 },
    });
    expect(result).toBe('openai: late');
    const [first, second] = env.fake.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.at - first.at).toBeLessThan(3000);
  });

  it('a wait beyond the total budget is not made: falls back with reason retry_budget_exhausted', async () => {
    enqueue({ fault: 'rate_limit', retryAfterSeconds: 30 }, { content: 'fb' });
    const result = await route('budget', { retry: { maxTotalWaitMs: 10_000 } });
    expect(result).toBe('anthropic: fb');
    expect(sleeps).toEqual([]);
    expect(paths()).toEqual([CHAT, MESSAGES]);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toMatchObject([
      { [ATTR.FALLBACK_FROM]: 'openai', [ATTR.FALLBACK_REASON]: 'retry_budget_exhausted', n: 1 },
    ]);
  });

  it('the budget counts every wait of the call', async () => {
    enqueue({ fault: 'server_error' }, { fault: 'server_error' }, { fault: 'server_error' }, {});
    await route('budget2', { retry: { attempts: 5, maxTotalWaitMs: 1600 } });
    // 500 + 1000 fit; the next 2000 does not.
    expect(sleeps).toEqual([500, 1000]);
    expect(paths()).toEqual([CHAT, CHAT, CHAT, MESSAGES]);
  });

  it('Anthropic 529 (overloaded) is retried', async () => {
    enqueue({ fault: 'overloaded' }, { content: 'back' });
    const result = await callWithFallback<string>({ name: 'anthropic-first', targets: targets().reverse(), ...fast });
    expect(result).toBe('anthropic: back');
    expect(paths()).toEqual([MESSAGES, MESSAGES]);
    expect(await counter(METRIC.PROVIDER_ERRORS)).toMatchObject([
      { [ATTR.PROVIDER_NAME]: 'anthropic', [ATTR.ERROR_TYPE]: '529', n: 1 },
    ]);
  });

  it('fallbackOn a listed class leaves at once, with that class as the reason', async () => {
    enqueue({ fault: 'rate_limit' }, {});
    const result = await route('immediate', { fallbackOn: ['429', 'retries_exhausted'] });
    expect(result).toMatch(/^anthropic/);
    expect(sleeps).toEqual([]);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toMatchObject([{ [ATTR.FALLBACK_REASON]: '429', n: 1 }]);
  });

  it('without retries_exhausted in fallbackOn, an exhausted target throws', async () => {
    enqueue({ fault: 'server_error' }, {});
    await expect(route('nofb', { fallbackOn: ['429'], retry: { attempts: 0 } })).rejects.toMatchObject({ status: 500 });
    expect(paths()).toEqual([CHAT]);
  });

  it('every target failing: the last provider error is thrown, the route span is an error', async () => {
    env.fake.script({ fault: 'unavailable' });
    const err = await route('all-down', { retry: { attempts: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(paths()).toEqual([CHAT, CHAT, MESSAGES, MESSAGES]);
    const { route: root } = tree();
    expect(root.attributes).toMatchObject({
      [ATTR.ROUTE_ATTEMPTS]: 4,
      [ATTR.ROUTE_TARGET]: 'anthropic',
      [ATTR.ROUTE_FALLBACK]: true,
      [ATTR.ERROR_TYPE]: '503',
    });
    expect(root.status.code).toBe(2);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toMatchObject([{ n: 1 }]);
  });
});

describe('circuit breaker (in process, per route and target)', () => {
  it('opens after the threshold, skips the target, half-opens after the cooldown, closes on success', async () => {
    let now = 1_000_000;
    const r = createRoute<string>({
      name: 'breaker',
      targets: targets(),
      retry: { attempts: 1 },
      breaker: { minRequests: 4, failureRatio: 0.5, windowMs: 60_000, cooldownMs: 30_000 },
      now: () => now,
      ...fast,
    });

    // Call 1: two failures (below minRequests), falls back after its retry.
    enqueue({ fault: 'server_error' }, { fault: 'server_error' }, {});
    await r.call();
    expect(r.breakerState('openai')).toBe('closed');
    // Call 2: the fourth failure opens the breaker, which ends the retries on that target at once.
    enqueue({ fault: 'server_error' }, { fault: 'server_error' }, {});
    now += 1000;
    await r.call();
    expect(r.breakerState('openai')).toBe('open');
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toMatchObject(
      sorted([
        { [ATTR.FALLBACK_REASON]: 'breaker_open', n: 1 },
        { [ATTR.FALLBACK_REASON]: 'retries_exhausted', n: 1 },
      ]),
    );

    // Call 3: skipped; nothing reaches the fake for openai.
    await freshTelemetry();
    env.fake.reset();
    now += 1000;
    expect(await r.call()).toMatch(/^anthropic/);
    expect(paths()).toEqual([MESSAGES]);
    const { route: root, children } = tree();
    expect(root.attributes).toMatchObject({
      [ATTR.ROUTE_ATTEMPTS]: 1,
      [ATTR.ROUTE_SKIPPED]: ['openai'],
      [ATTR.ROUTE_FALLBACK]: true,
      [ATTR.ROUTE_TARGET]: 'anthropic',
    });
    expect(attempts(children).map((a) => [a.target, a.number, a.kind])).toEqual([['anthropic', 1, 'initial']]);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toMatchObject([
      {
        [ATTR.FALLBACK_FROM]: 'openai',
        [ATTR.FALLBACK_TO]: 'anthropic',
        [ATTR.FALLBACK_REASON]: 'breaker_open',
        n: 1,
      },
    ]);
    expect(await counter(METRIC.ROUTE_ATTEMPTS)).toMatchObject([{ [ATTR.ROUTE_TARGET]: 'anthropic', n: 1 }]);

    // After the cooldown: half-open, one trial; it fails and the breaker opens again for a new cooldown.
    now += 30_000;
    expect(r.breakerState('openai')).toBe('half_open');
    env.fake.reset();
    enqueue({ fault: 'server_error' }, {});
    await r.call();
    expect(paths()).toEqual([CHAT, MESSAGES]);
    expect(r.breakerState('openai')).toBe('open');

    // The next trial succeeds: closed.
    now += 30_000;
    env.fake.reset();
    expect(await r.call()).toMatch(/^openai/);
    expect(paths()).toEqual([CHAT]);
    expect(r.breakerState('openai')).toBe('closed');
  });

  it('400s and bugs do not count towards the breaker', async () => {
    const r = createRoute<string>({ name: 'b400', targets: targets(), breaker: { minRequests: 1 }, ...fast });
    enqueue({ status: 400 });
    await expect(r.call()).rejects.toMatchObject({ status: 400 });
    expect(r.breakerState('openai')).toBe('closed');
  });

  it('when every target is open they are all tried anyway (no total outage)', async () => {
    let now = 5_000_000;
    const r = createRoute<string>({
      name: 'all-open',
      targets: targets(),
      retry: { attempts: 0 },
      breaker: { minRequests: 1, cooldownMs: 30_000 },
      now: () => now,
      ...fast,
    });
    enqueue({ fault: 'server_error' }, { fault: 'overloaded' });
    await expect(r.call()).rejects.toMatchObject({ status: 529 });
    expect(r.breakerState('openai')).toBe('open');
    expect(r.breakerState('anthropic')).toBe('open');

    await freshTelemetry();
    env.fake.reset();
    now += 1000;
    expect(await r.call()).toMatch(/^openai/);
    expect(paths()).toEqual([CHAT]);
    const { route: root } = tree();
    expect(root.attributes[ATTR.ROUTE_BREAKER_BYPASS]).toBe(true);
    expect(root.attributes[ATTR.ROUTE_SKIPPED]).toBeUndefined();
    expect(r.breakerState('openai')).toBe('closed');
    expect(r.breakerState('anthropic')).toBe('open');
  });

  it('breaker: false never skips', async () => {
    const r = createRoute<string>({
      name: 'nobreaker',
      targets: targets(),
      breaker: false,
      retry: { attempts: 0 },
      ...fast,
    });
    env.fake.script({ fault: 'server_error' });
    for (let i = 0; i < 12; i++) await r.call().catch(() => {});
    expect(paths()).toHaveLength(24);
    expect(r.breakerState('openai')).toBe('closed');
  });
});

describe('what stops a routed call at once', () => {
  it('the caller aborting during a request: the SDK error is thrown as is, nothing else is tried', async () => {
    enqueue({ responseDelayMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await callWithFallback<string>({
      name: 'abort',
      targets: targets(),
      signal: controller.signal,
      ...fast,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(paths()).toEqual([CHAT]);
    expect(await counter(METRIC.ROUTE_FALLBACKS)).toEqual([]);
    expect(await counter(METRIC.PROVIDER_ERRORS)).toEqual([]);
    expect(tree().route.attributes[ATTR.ROUTE_ATTEMPTS]).toBe(1);
  });

  it('the caller aborting during a backoff wait (real sleep): the abort reason is thrown', async () => {
    enqueue({ fault: 'server_error' });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('user left')), 50);
    await expect(
      callWithFallback<string>({
        name: 'abort-wait',
        targets: targets(),
        signal: controller.signal,
        retry: { initialDelayMs: 10_000 },
      }),
    ).rejects.toThrow('user left');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(paths()).toEqual([CHAT]);
  });

  it('a TypeError in a target function is thrown at once: a bug, not a provider failure', async () => {
    const calls: string[] = [];
    const broken: RouteTarget<string> = {
      name: 'broken',
      call: async () => {
        calls.push('broken');
        throw new TypeError('cannot read properties of undefined');
      },
    };
    await expect(
      callWithFallback<string>({ name: 'bug', targets: [broken, ...targets()], ...fast }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toEqual(['broken']);
    expect(paths()).toEqual([]);
    expect(await counter(METRIC.PROVIDER_ERRORS)).toEqual([]);
    const { route: root } = tree();
    expect(root.attributes[ATTR.ERROR_TYPE]).toBe('TypeError');
  });

  it('bad options are a TypeError', async () => {
    await expect(callWithFallback({ name: 'x', targets: [] })).rejects.toThrow(/targets/);
    expect(() => createRoute({ name: '', targets: targets() })).toThrow(/name/);
    const t = targets();
    expect(() => createRoute({ name: 'dup', targets: [t[0], t[0]] })).toThrow(/unique/);
  });
});
