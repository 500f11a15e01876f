/**
 * User segments and end-user ids: the segment follows the work across `await`, timers and an HTTP hop (W3C
 * baggage), reaches spans and metrics, and the cardinality guard caps what metrics carry. The end-user id
 * is recorded only hashed, only when opted in, and never leaves the process raw.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation } from '@opentelemetry/api';
import { instrument } from '@promptscope/instrumentation-openai';
import { createOtelHarness, type FakeProvider, type OtelHarness, startFakeProvider } from '@promptscope/testing';
import OpenAI from 'openai-v6';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { getSegment, getUser, hashUserId, setSegment, withPrompt, withSegment, withUser } from '../src/context.js';
import { endOpenOperations } from '../src/open-operations.js';
import { Telemetry } from '../src/telemetry.js';

const RAW_USER = 'alice.raw-user-id@example.com';
const SALT = 'test-salt-0123456789';

let harness: OtelHarness;
let fake: FakeProvider;
beforeAll(async () => {
  // Registers an AsyncLocalStorage context manager and tracecontext + baggage propagation, like NodeSDK's defaults.
  harness = createOtelHarness();
  fake = await startFakeProvider();
});
afterAll(async () => {
  endOpenOperations();
  await fake.close();
  await harness.shutdown();
});
beforeEach(async () => {
  fake.reset();
  await harness.reset();
});

const request = { operation: 'chat', provider: 'openai', model: 'gpt-4o-mini' };

function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

describe('withSegment', () => {
  it('follows the work across await, setTimeout and setImmediate, and ends with the scope', async () => {
    const seen: unknown[] = [];
    await withSegment('pro', async () => {
      seen.push(getSegment());
      await Promise.resolve();
      seen.push(getSegment());
      await new Promise<void>((r) =>
        setTimeout(() => {
          seen.push(getSegment());
          r();
        }, 5),
      );
      await new Promise<void>((r) =>
        setImmediate(() => {
          seen.push(getSegment());
          r();
        }),
      );
    });
    expect(seen).toEqual(['pro', 'pro', 'pro', 'pro']);
    expect(getSegment()).toBeUndefined();
  });

  it('nests (innermost wins) and keeps other baggage entries', () => {
    const base = propagation.setBaggage(
      context.active(),
      propagation.createBaggage({ 'tenant.region': { value: 'eu' } }),
    );
    context.with(base, () =>
      withSegment('free', () => {
        withSegment('feature:summarize', () => expect(getSegment()).toBe('feature:summarize'));
        expect(getSegment()).toBe('free');
        expect(propagation.getBaggage(context.active())?.getEntry('tenant.region')?.value).toBe('eu');
      }),
    );
    const ctx = setSegment(context.active(), 'enterprise');
    expect(getSegment(ctx)).toBe('enterprise');
    expect(propagation.getBaggage(ctx)?.getEntry('promptscope.segment')?.value).toBe('enterprise');
  });

  it('rejects what is not a low-cardinality name, saying why', () => {
    expect(() => withSegment('', () => 0)).toThrow(/withSegment: invalid segment "": it is empty/);
    expect(() => withSegment('x'.repeat(65), () => 0)).toThrow(/65 characters long \(at most 64/);
    expect(() => withSegment('a\nb', () => 0)).toThrow(/control characters/);
    expect(() => withSegment(3 as unknown as string, () => 0)).toThrow(TypeError);
    expect(() => setSegment(context.active(), null as unknown as string)).toThrow(/setSegment: .*got null/);
    expect('x'.repeat(64)).toBe(withSegment('x'.repeat(64), () => getSegment()));
  });

  it('ignores an invalid segment received in baggage', () => {
    const bad = propagation.setBaggage(
      context.active(),
      propagation.createBaggage({ 'promptscope.segment': { value: 'y'.repeat(200) } }),
    );
    expect(getSegment(bad)).toBeUndefined();
  });

  it('reaches the span and every operation metric; no segment, no attribute', async () => {
    const t = new Telemetry({}, {});
    await withSegment('pro', async () => {
      await tick();
      const op = t.start(request);
      op.setUsage({ inputTokens: 10, outputTokens: 2 });
      op.end();
    });
    const plain = t.start(request);
    plain.end();
    const [withSeg, without] = harness.spans();
    expect(withSeg.attributes['promptscope.user.segment']).toBe('pro');
    expect(without.attributes['promptscope.user.segment']).toBeUndefined();
    const duration = await harness.metricPoints('gen_ai.client.operation.duration');
    expect(duration.map((p) => p.attributes['promptscope.user.segment']).sort()).toEqual(['pro', undefined]);
    const tokens = await harness.metricPoints('gen_ai.client.token.usage');
    expect(tokens.map((p) => p.attributes['promptscope.user.segment'])).toEqual(['pro', 'pro']);
    const cost = await harness.metricPoints('promptscope.client.cost_usd');
    expect(cost.map((p) => p.attributes['promptscope.user.segment'])).toEqual(['pro']);
  });

  it('crosses an HTTP hop in W3C baggage: the downstream completion span and metrics carry it', async () => {
    const handle = instrument(OpenAI);
    const downstream: Server = createServer((req: IncomingMessage, res) => {
      // What an HTTP server instrumentation does: extract the caller's context from the headers.
      const extracted = propagation.extract(context.active(), req.headers);
      context.with(extracted, async () => {
        const client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
        const segmentSeen = getSegment();
        await withPrompt({ name: 'support-reply', version: '4' }, () =>
          client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        );
        res.end(JSON.stringify({ segmentSeen, baggage: req.headers.baggage ?? null }));
      });
    });
    await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
    try {
      const { port } = downstream.address() as AddressInfo;
      const reply = await withUser(RAW_USER, () =>
        withSegment('enterprise', async () => {
          await new Promise((r) => setTimeout(r, 1));
          const headers: Record<string, string> = {};
          propagation.inject(context.active(), headers);
          const res = await fetch(`http://127.0.0.1:${port}/work`, { headers });
          return (await res.json()) as { segmentSeen: string; baggage: string };
        }),
      );
      expect(reply.segmentSeen).toBe('enterprise');
      expect(reply.baggage).toBe('promptscope.segment=enterprise');
      // The raw user id never travels: it is not baggage.
      expect(reply.baggage).not.toContain('alice');

      const [span] = harness.spans();
      expect(span.name).toBe('chat gpt-4o-mini');
      expect(span.attributes['promptscope.user.segment']).toBe('enterprise');
      expect(span.attributes['gen_ai.prompt.name']).toBe('support-reply');
      expect(span.attributes['enduser.id']).toBeUndefined();
      const points = await harness.metricPoints('gen_ai.client.operation.duration');
      expect(points).toHaveLength(1);
      expect(points[0].attributes).toMatchObject({
        'promptscope.user.segment': 'enterprise',
        'gen_ai.prompt.name': 'support-reply',
      });
    } finally {
      handle.uninstrument();
      await new Promise((r) => downstream.close(r));
    }
  });
});

describe('the cardinality guard', () => {
  it('keeps the first N distinct segments on metrics, folds the rest into `other`, counts each folded call', async () => {
    // Its own meter provider: the guard is per meter, shared by every Telemetry on it.
    const own = createOtelHarness({ register: false });
    try {
      const t = new Telemetry({ segmentLimit: 3 }, {});
      t.setTracerProvider(own.tracerProvider);
      t.setMeterProvider(own.meterProvider);
      const sibling = new Telemetry({ segmentLimit: 3 }, { name: 'other-instrumentation' });
      sibling.setTracerProvider(own.tracerProvider);
      sibling.setMeterProvider(own.meterProvider);
      const calls = ['s1', 's2', 's3', 's4', 's5', 's1', 's5', 's4', 's3'];
      for (const s of calls) withSegment(s, () => t.start(request).end());
      // A second instrumentation on the same meter shares the cap: s2 is known, s6 is new and folded.
      withSegment('s2', () => sibling.start(request).end());
      withSegment('s6', () => sibling.start(request).end());

      // Spans keep the real value.
      expect(own.spans().map((s) => s.attributes['promptscope.user.segment'])).toEqual([...calls, 's2', 's6']);

      const duration = await own.metricPoints('gen_ai.client.operation.duration');
      const count = (seg: string) =>
        duration
          .filter((p) => p.attributes['promptscope.user.segment'] === seg)
          .reduce((n, p) => n + (p.value as { count: number }).count, 0);
      expect([...new Set(duration.map((p) => p.attributes['promptscope.user.segment']))].sort()).toEqual([
        'other',
        's1',
        's2',
        's3',
      ]);
      expect({ s1: count('s1'), s2: count('s2'), s3: count('s3'), other: count('other') }).toEqual({
        s1: 2,
        s2: 2,
        s3: 2,
        other: 5, // s4, s5, s5, s4, s6
      });
      const overflow = await own.metricPoints('promptscope.segment.overflow');
      expect(overflow).toEqual([{ attributes: {}, value: 5 }]);
    } finally {
      await own.shutdown();
    }
  });

  it('segmentLimit 0 leaves the segment off metrics (spans keep it); nothing overflows', async () => {
    const own = createOtelHarness({ register: false });
    try {
      const t = new Telemetry({ segmentLimit: 0 }, {});
      t.setTracerProvider(own.tracerProvider);
      t.setMeterProvider(own.meterProvider);
      withSegment('pro', () => t.start(request).end());
      expect(own.spans()[0].attributes['promptscope.user.segment']).toBe('pro');
      const [point] = await own.metricPoints('gen_ai.client.operation.duration');
      expect(point.attributes['promptscope.user.segment']).toBeUndefined();
      expect(await own.metricPoints('promptscope.segment.overflow')).toEqual([]);
    } finally {
      await own.shutdown();
    }
  });

  it('reads segmentLimit from PROMPTSCOPE_SEGMENT_LIMIT, default 50, and warns on nonsense', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(resolveConfig({}, {}, warn).segmentLimit).toBe(50);
    expect(resolveConfig({}, { PROMPTSCOPE_SEGMENT_LIMIT: '7' }, warn).segmentLimit).toBe(7);
    expect(resolveConfig({}, { PROMPTSCOPE_SEGMENT_LIMIT: '0' }, warn).segmentLimit).toBe(0);
    expect(resolveConfig({ segmentLimit: 3 }, { PROMPTSCOPE_SEGMENT_LIMIT: '7' }, warn).segmentLimit).toBe(3);
    expect(warnings).toEqual([]);
    expect(resolveConfig({}, { PROMPTSCOPE_SEGMENT_LIMIT: 'lots' }, warn).segmentLimit).toBe(50);
    expect(warnings[0]).toMatch(/PROMPTSCOPE_SEGMENT_LIMIT="lots" must be a whole number/);
    expect(() => resolveConfig({ segmentLimit: -1 })).toThrow(/segmentLimit/);
  });
});

describe('withUser', () => {
  async function run(t: Telemetry): Promise<void> {
    await withUser(RAW_USER, () =>
      withSegment('pro', async () => {
        await tick();
        expect(getUser()).toBe(RAW_USER);
        const op = t.start(request);
        op.setUsage({ inputTokens: 3, outputTokens: 1 });
        op.end();
      }),
    );
  }

  async function exported(): Promise<string> {
    const spans = harness.spans().map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      links: s.links,
      resource: s.resource.attributes,
    }));
    return JSON.stringify({ spans, metrics: await harness.metrics(), logs: harness.logs().map((l) => l.attributes) });
  }

  it('records nothing about the user by default', async () => {
    await run(new Telemetry({}, {}));
    expect(harness.spans()[0].attributes['enduser.id']).toBeUndefined();
    const bytes = await exported();
    expect(bytes).not.toContain(RAW_USER);
    expect(bytes).not.toContain('alice');
    expect(bytes).not.toContain('enduser.id');
  });

  it('opted in: spans carry the salted hash, metrics nothing, and the raw id is in no exported byte', async () => {
    const t = new Telemetry({ hashUserId: true, userIdSalt: SALT }, {});
    await run(t);
    const expected = hashUserId(RAW_USER, SALT);
    expect(expected).toMatch(/^[0-9a-f]{32}$/);
    expect(harness.spans()[0].attributes['enduser.id']).toBe(expected);
    // The salt matters: the same id under another salt hashes differently.
    expect(hashUserId(RAW_USER, 'another-salt')).not.toBe(expected);
    for (const p of await harness.metricPoints('gen_ai.client.operation.duration')) {
      expect(Object.keys(p.attributes)).not.toContain('enduser.id');
    }
    const bytes = await exported();
    expect(bytes).not.toContain(RAW_USER);
    expect(bytes).not.toContain('alice');
    expect(bytes.match(/enduser\.id/g)).toHaveLength(1);
  });

  it('is opted in by PROMPTSCOPE_CAPTURE_USER_ID=hashed with PROMPTSCOPE_USER_ID_SALT; warns without a salt', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const on = resolveConfig({}, { PROMPTSCOPE_CAPTURE_USER_ID: 'hashed', PROMPTSCOPE_USER_ID_SALT: SALT }, warn);
    expect([on.hashUserId, on.userIdSalt]).toEqual([true, SALT]);
    expect(warnings).toEqual([]);
    expect(resolveConfig({}, { PROMPTSCOPE_CAPTURE_USER_ID: 'off' }, warn).hashUserId).toBe(false);
    expect(resolveConfig({}, { PROMPTSCOPE_CAPTURE_USER_ID: 'raw' }, warn).hashUserId).toBe(false);
    expect(warnings[0]).toMatch(/PROMPTSCOPE_CAPTURE_USER_ID="raw" is not understood; use "hashed"/);
    expect(resolveConfig({ hashUserId: true }, {}, warn).hashUserId).toBe(true);
    expect(warnings[1]).toMatch(/without a salt/);
  });

  it('rejects an id that is not a non-empty string', () => {
    expect(() => withUser('', () => 0)).toThrow(/non-empty string/);
    expect(() => withUser(42 as unknown as string, () => 0)).toThrow(/String\(id\)/);
  });
});
