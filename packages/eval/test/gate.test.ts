/**
 * The gate, end to end in process: bank cases rendered through the registry, sent through the real openai
 * SDK (instrumented) to the fake provider scripted per prompt version, assertions, policy, cache, repeats,
 * rate limits, shards, and the run's spans.
 */
import { ATTR } from '@promptscope/core';
import { createOtelHarness, type OtelHarness } from '@promptscope/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mergeReports, runSuite } from '../src/index.js';
import { BAD, BANK, chatRequests, GOOD, scriptByVersion, type Workspace, workspace } from './helpers.js';

let ws: Workspace;
let harness: OtelHarness;
beforeAll(() => {
  harness = createOtelHarness();
});
afterAll(() => harness.shutdown());
beforeEach(async () => {
  ws = await workspace();
  await ws.writeBank(BANK);
  await harness.reset();
});
afterEach(() => ws.close());

const failing = (r: Awaited<ReturnType<typeof runSuite>>) =>
  r.cases
    .filter((c) => c.candidate.status !== 'pass')
    .map((c) => [c.id, c.candidate.records[0]?.assertions.filter((a) => !a.pass).map((a) => a.type)]);

describe('promptscope test, the gate', () => {
  it('fails a candidate that breaks cases, naming each case and assertion; passes a clean one', async () => {
    scriptByVersion(ws.fake, (v) => ({ content: v === 2 ? BAD : GOOD }));
    const bad = await runSuite(await ws.suite('2'));
    expect(bad.verdict.pass).toBe(false);
    expect([bad.verdict.passed, bad.verdict.failed]).toEqual([1, 2]);
    expect(failing(bad)).toEqual([
      ['refund', ['icontains']],
      ['tone', ['not-contains']],
    ]);
    expect(bad.verdict.checks.find((c) => c.name === 'critical cases pass')).toMatchObject({
      pass: false,
      detail: 'failing: refund',
    });
    const good = await runSuite(await ws.suite('1'));
    expect(good.verdict).toMatchObject({ pass: true, passed: 3, failed: 0, infraErrors: 0 });
    // every record carries the measurements of its own provider span
    for (const rec of good.cases.flatMap((c) => c.candidate.records)) {
      expect(rec.output).toBe(GOOD);
      expect(rec.latencyMs).toBeGreaterThan(0);
      expect(rec.ttftMs).toBeGreaterThan(0);
      expect(rec.tokens).toEqual({ input: 12, output: 7 });
      expect(rec.costUsd).toBeGreaterThan(0);
    }
  });

  it('a new failure against the baseline fails the gate even when the pass rate is above its minimum', async () => {
    scriptByVersion(ws.fake, (v, ticket) => ({ content: v === 2 && ticket === 3 ? 'Sorry, you get a refund.' : GOOD }));
    const r = await runSuite(await ws.suite('2', '1', { policy: { minPassRate: 0.5, maxNewFailures: 0 } }));
    expect(r.verdict.passed).toBe(2);
    expect(r.verdict.checks.find((c) => c.name === 'pass rate')?.pass).toBe(true);
    const fresh = r.verdict.checks.find((c) => c.name === 'no new failures against the baseline');
    expect(fresh).toMatchObject({ pass: false });
    expect(fresh?.detail).toMatch(/1 new \(allowed 0\): steps/);
    expect(r.cases.find((c) => c.id === 'steps')).toMatchObject({ newFailure: true, baseline: { status: 'pass' } });
    expect(r.verdict.pass).toBe(false);
    // allowing one new failure lets it through
    const lenient = await runSuite(await ws.suite('2', '1', { policy: { minPassRate: 0.5, maxNewFailures: 1 } }));
    expect(lenient.verdict.pass).toBe(true);
  });

  it('budgets trip on a slower and on a costlier candidate, measured from the spans', async () => {
    scriptByVersion(ws.fake, (v) => ({
      content: GOOD,
      responseDelayMs: v === 2 ? 200 : 20,
      firstChunkDelayMs: v === 2 ? 200 : 20,
      usage: v === 3 ? { input: 120, output: 70 } : { input: 12, output: 7 },
    }));
    const policy = { minPassRate: 1, maxNewFailures: 0, maxCostIncrease: 0.1, maxLatencyIncrease: 0.2 };
    const slower = await runSuite(await ws.suite('2', '1', { policy }));
    const lat = slower.verdict.checks.find((c) => c.name === 'p95 latency');
    expect(lat?.pass, lat?.detail).toBe(false);
    expect(slower.verdict.checks.find((c) => c.name === 'mean cost')?.pass).toBe(true);
    expect(slower.verdict.pass).toBe(false);
    // the p95 the gate compared is the p95 of the provider spans' durations
    const spanMs = harness
      .spans()
      .filter((s) => s.attributes[ATTR.OPERATION_NAME] === 'chat' && s.attributes[ATTR.PROMPT_VERSION] === '2')
      .map((s) => s.duration[0] * 1000 + s.duration[1] / 1e6);
    expect(Math.max(...spanMs)).toBeGreaterThanOrEqual(200);
    const costlier = await runSuite(await ws.suite('3', '1', { policy }));
    const cost = costlier.verdict.checks.find((c) => c.name === 'mean cost');
    expect(cost?.pass, cost?.detail).toBe(false);
    expect(cost?.detail).toMatch(/\+\d+\.\d% , budget \+10\.0%|\(\+\d+\.\d%, budget \+10\.0%\)/);
    expect(costlier.verdict.checks.find((c) => c.name === 'p95 latency')?.pass).toBe(true);
  });

  it('a second run of the same cases makes no provider request; --repeat 3 makes three, independent', async () => {
    scriptByVersion(ws.fake, () => ({ content: GOOD }));
    const first = await runSuite(await ws.suite('1'));
    expect(chatRequests(ws.fake)).toHaveLength(3);
    const again = await runSuite(await ws.suite('1'));
    expect(chatRequests(ws.fake)).toHaveLength(3);
    expect(again.cache).toEqual({ hits: 3, misses: 0 });
    expect(again.cases.every((c) => c.candidate.records[0]?.cached)).toBe(true);
    expect(again.verdict.pass).toBe(first.verdict.pass);
    ws.fake.requests.length = 0;
    const repeated = await runSuite(await ws.suite('1', undefined, { repeat: 3 }));
    // repeat 0 is the cached run above; repeats 1 and 2 are new requests: three answers per case in all
    expect(chatRequests(ws.fake)).toHaveLength(6);
    expect(repeated.cases.map((c) => c.candidate.runs)).toEqual([3, 3, 3]);
    const none = await runSuite(await ws.suite('1', undefined, { cacheDir: undefined, repeat: 3 }));
    expect(none.cache).toEqual({ hits: 0, misses: 0 });
    expect(chatRequests(ws.fake)).toHaveLength(15);
  });

  it('repeats give a pass rate with its 95% interval, mark flaky cases unstable, and apply k of n', async () => {
    let n = 0;
    scriptByVersion(ws.fake, (_v, ticket) => ({ content: ticket === 1 && n++ % 2 === 1 ? BAD : GOOD }));
    const r = await runSuite(
      await ws.suite('1', undefined, { repeat: 4, minPass: 2, concurrency: 1, cacheDir: undefined }),
    );
    const refund = r.cases.find((c) => c.id === 'refund')?.candidate;
    expect(refund).toMatchObject({ passes: 2, runs: 4, passRate: 0.5, unstable: true, status: 'pass' });
    expect(refund?.interval[0]).toBeCloseTo(0.15, 2);
    expect(refund?.interval[1]).toBeCloseTo(0.85, 2);
    const strict = await runSuite(
      await ws.suite('1', undefined, { repeat: 4, minPass: 3, concurrency: 1, cacheDir: undefined }),
    );
    expect(strict.cases.find((c) => c.id === 'refund')?.candidate.status).toBe('fail');
  });

  it("waits out the provider's 429 retry-after, pausing every call, and counts it", async () => {
    scriptByVersion(ws.fake, () => ({ content: GOOD }));
    ws.fake.enqueue({ fault: 'rate_limit', retryAfterSeconds: 0.4 });
    const r = await runSuite(await ws.suite('1', undefined, { concurrency: 2, cacheDir: undefined }));
    expect(r.verdict.pass).toBe(true);
    expect(r.rateLimited).toBe(1);
    const reqs = chatRequests(ws.fake).sort((a, b) => a.at - b.at);
    expect(reqs).toHaveLength(4);
    // two calls went out at once, the first got the 429; the retry and the third case (another worker) both
    // waited for the retry-after
    expect(reqs[0]?.script.fault).toBe('rate_limit');
    const limitedAt = reqs[0]?.at as number;
    for (const later of reqs.slice(2)) expect(later.at - limitedAt).toBeGreaterThanOrEqual(395);
  });

  it('an unreachable provider is no verdict: the run reports infrastructure errors', async () => {
    const r = await runSuite(
      await ws.suite('1', undefined, {
        env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
        retry: { attempts: 2, sleep: async () => {} },
      }),
    );
    expect(r.verdict.infraErrors).toBe(3);
    expect(r.cases[0]?.candidate.records[0]?.error).toMatch(/the provider failed 2 times/);
    const nokey = await runSuite(await ws.suite('1', undefined, { env: { OPENAI_BASE_URL: ws.fake.url } }));
    expect(nokey.cases[0]?.candidate.records[0]?.error).toMatch(/OPENAI_API_KEY is not set/);
  });

  it('shards split the bank deterministically and merge into the verdict of an unsharded run', async () => {
    scriptByVersion(ws.fake, (v) => ({ content: v === 2 ? BAD : GOOD }));
    const whole = await runSuite(await ws.suite('2', '1'));
    const shards: Awaited<ReturnType<typeof runSuite>>[] = [];
    for (const index of [1, 2]) shards.push(await runSuite(await ws.suite('2', '1', { shard: { index, total: 2 } })));
    const ids = shards.flatMap((s) => s.shard?.cases ?? []);
    expect(ids.sort()).toEqual(['refund', 'steps', 'tone']);
    // the same split every time
    const again = await runSuite(await ws.suite('2', '1', { shard: { index: 1, total: 2 } }));
    expect(again.shard?.cases).toEqual(shards[0]?.shard?.cases);
    const merged = mergeReports(shards);
    expect(merged.shard).toBeUndefined();
    expect(merged.verdict).toEqual(whole.verdict);
    expect(() => mergeReports([shards[0] as never])).toThrow(/missing shard\(s\) 2\/2/);
    expect(() => mergeReports([shards[0] as never, shards[0] as never])).toThrow(/shard 1\/2 given twice/);
    expect(() => mergeReports([shards[0] as never, whole])).toThrow(/covers the whole bank/);
  });

  it('traces every run: test.* attributes on the case and provider spans, and a link to the production span', async () => {
    scriptByVersion(ws.fake, () => ({ content: GOOD }));
    const prodTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const prodSpan = '00f067aa0ba902b7';
    await ws.writeBank(
      `${BANK}    source: { traceId: ${prodTrace}, spanId: "${prodSpan}", promptVersion: "1", signal: thumbs_down }\n`,
    );
    const r = await runSuite(
      await ws.suite('1', undefined, { tracerProvider: harness.tracerProvider, runId: 'run-42' }),
    );
    const spans = harness.spans();
    const caseSpans = spans.filter((s) => s.name.startsWith('test '));
    expect(caseSpans.map((s) => s.name).sort()).toEqual(['test refund', 'test steps', 'test tone']);
    for (const s of caseSpans) {
      expect(s.attributes).toMatchObject({
        [ATTR.TEST_SUITE_NAME]: 'support-reply',
        [ATTR.TEST_SUITE_RUN_ID]: 'run-42',
        [ATTR.TEST_CASE_RESULT_STATUS]: 'pass',
        [ATTR.RUN_KIND]: 'test',
        [ATTR.PROMPT_VERSION]: '1',
      });
      const provider = spans.find((p) => p.parentSpanContext?.spanId === s.spanContext().spanId);
      expect(provider?.attributes).toMatchObject({
        [ATTR.OPERATION_NAME]: 'chat',
        [ATTR.TEST_CASE_NAME]: s.attributes[ATTR.TEST_CASE_NAME],
        [ATTR.TEST_SUITE_RUN_ID]: 'run-42',
        [ATTR.RUN_KIND]: 'test',
        [ATTR.PROMPT_NAME]: 'support-reply',
      });
    }
    const steps = caseSpans.find((s) => s.name === 'test steps');
    expect(steps?.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[prodTrace, prodSpan]]);
    expect(r.cases.find((c) => c.id === 'steps')?.candidate.records[0]?.traceId).toBe(steps?.spanContext().traceId);
    expect(r.containsProductionContent).toBe(true);
    expect(r.notice).toMatch(/production content/);
  });
});
