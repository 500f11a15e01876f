/**
 * Replay, in process, against a recorded OTLP file: production traffic made by the real openai SDK under
 * promptscope's instrumentation, replayed through candidates with the fake provider scripted per version.
 * The counts of improved / regressed / unchanged equal the script's, the deltas equal what the fake's
 * delays and token counts imply, skipped inputs carry their reason, and nothing is sent on a dry run or
 * beyond the cost cap.
 */
import { join } from 'node:path';
import { ATTR } from '@promptscope/core';
import { PriceBook } from '@promptscope/core/provider';
import { createOtelHarness, type OtelHarness } from '@promptscope/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  completionsOf,
  loadBank,
  planReplay,
  type ReplayPlanOptions,
  readReplayFile,
  runReplay,
} from '../src/index.js';
import { BAD, chatRequests, GOOD, scriptByVersion, versionOf, type Workspace, workspace } from './helpers.js';
import {
  CANDIDATE_DELAY_MS,
  CANDIDATE_USAGE,
  CAPTURED,
  PRODUCTION_DELAY_MS,
  PRODUCTION_USAGE,
  productionTraffic,
  REPLAY_BANK,
  scriptV2,
  type Traffic,
  UNCAPTURED,
} from './replay-traffic.js';

let ws: Workspace;
let harness: OtelHarness;
let traffic: Traffic;
beforeAll(() => {
  harness = createOtelHarness();
});
afterAll(() => harness.shutdown());
beforeEach(async () => {
  ws = await workspace();
  await ws.writeBank(REPLAY_BANK);
  traffic = await productionTraffic(ws, join(ws.dir, 'replay.jsonl'));
  ws.fake.reset();
  await harness.reset();
});
afterEach(() => ws.close());

async function options(
  candidate: string,
  extra: Partial<ReplayPlanOptions> = {},
  target = {},
): Promise<ReplayPlanOptions> {
  const read = await readReplayFile(traffic.file);
  return {
    prompt: 'support-reply',
    completions: completionsOf(read.spans, 'support-reply'),
    filter: {},
    candidate: await ws.target(candidate, target),
    bank: await loadBank(ws.bankFile),
    ...extra,
  };
}

const run = (plan: ReturnType<typeof planReplay>, extra = {}) =>
  runReplay(plan, {
    source: { kind: 'file', where: traffic.file },
    env: ws.env,
    tracerProvider: harness.tracerProvider,
    runId: 'replay-run-1',
    ...extra,
  });

describe('promptscope replay against a recorded OTLP file', () => {
  it('counts improved, regressed and unchanged as scripted, skips uncaptured inputs with the reason, and measures the deltas', async () => {
    scriptV2(ws.fake);
    const plan = planReplay(await options('2'));
    const r = await run(plan);
    expect(r.source.found).toBe(8);
    expect(r.summary).toMatchObject({
      inputs: 6,
      improved: 1,
      regressed: 2,
      unchanged: 3,
      errors: 0,
      changed: 3,
      skipped: 2,
    });
    expect(r.summary.skippedBy).toEqual({
      'no captured content (content capture off, or removed by the collector)': 2,
    });
    const byTicket = (t: number) => r.inputs.find((i) => i.vars?.ticket === t);
    expect(byTicket(1)).toMatchObject({
      outcome: 'regressed',
      why: 'icontains failed on the candidate',
      mode: 'rendered',
    });
    expect(byTicket(3)).toMatchObject({ outcome: 'improved', caseId: 'ticket-3' });
    expect(byTicket(4)).toMatchObject({ outcome: 'unchanged', changed: false, similarity: 1 });
    expect(byTicket(1)?.similarity).toBeLessThan(1);
    // every input links back to the production span it replays
    for (const t of CAPTURED) expect(byTicket(t)?.production).toMatchObject(traffic.spans.get(t) as object);
    expect(traffic.uncaptured).toHaveLength(UNCAPTURED.length);
    expect(r.skipped.map((s) => s.spanId).sort()).toEqual([...traffic.uncaptured].sort());

    // deltas: the fake's delays and token counts, priced as the instrumentation prices them
    const s = r.summary;
    expect(s.latencyP50Ms.baseline).toBeGreaterThanOrEqual(PRODUCTION_DELAY_MS);
    expect(s.latencyP50Ms.candidate).toBeGreaterThanOrEqual(CANDIDATE_DELAY_MS);
    expect(s.latencyP50Ms.change).toBeGreaterThan(0);
    expect(s.ttftP50Ms.candidate).toBeGreaterThanOrEqual(CANDIDATE_DELAY_MS); // v2 streams; production did not
    expect(s.ttftP50Ms.baseline).toBeUndefined();
    const price = (i: number, o: number) => {
      const c = new PriceBook().price('openai', 'gpt-4o-mini', { inputTokens: i, outputTokens: o });
      return c.priced ? c.totalUsd : Number.NaN;
    };
    const base = price(PRODUCTION_USAGE.prompt_tokens, PRODUCTION_USAGE.completion_tokens);
    const cand = price(CANDIDATE_USAGE.input, CANDIDATE_USAGE.output);
    expect(s.costPerCallUsd.baseline).toBeCloseTo(base, 12);
    expect(s.costPerCallUsd.candidate).toBeCloseTo(cand, 12);
    expect(s.costPerCallUsd.change).toBeCloseTo(cand / base - 1, 9);
    expect(s.errorRate).toEqual({ candidate: 0, baseline: 0 });
    expect(r.containsProductionContent).toBe(true);
    expect(r.notice).toMatch(/production content/);
    // no gate asked: the verdict passes and says nothing
    expect(r.verdict).toMatchObject({ pass: true, passed: 4, failed: 2, checks: [] });
  });

  it('traces each replay as promptscope.run.kind=replay with the run id and a link to the production span', async () => {
    scriptV2(ws.fake);
    await run(planReplay(await options('2')));
    const replays = harness.spans().filter((s) => s.name.startsWith('replay '));
    expect(replays).toHaveLength(6);
    for (const s of replays) {
      expect(s.attributes).toMatchObject({
        [ATTR.RUN_KIND]: 'replay',
        [ATTR.TEST_SUITE_RUN_ID]: 'replay-run-1',
        [ATTR.TEST_SUITE_NAME]: 'support-reply',
        [ATTR.PROMPT_VERSION]: '2',
      });
      const link = s.links[0]?.context;
      expect([...traffic.spans.values()].some((p) => p.traceId === link?.traceId && p.spanId === link?.spanId)).toBe(
        true,
      );
    }
  });

  it('re-sends the recorded messages and parameters when only the model changes', async () => {
    scriptByVersion(ws.fake, () => ({ content: GOOD }));
    const r = await run(planReplay(await options('1', {}, { model: 'gpt-4.1-mini' })));
    expect(r.inputs.map((i) => i.mode)).toEqual(Array(6).fill('resent'));
    const sent = chatRequests(ws.fake).map((q) => q.body);
    expect(sent).toHaveLength(6);
    for (const body of sent) {
      expect(body.model).toBe('gpt-4.1-mini');
      expect(body.max_tokens).toBe(100);
      expect(body.stream).toBeFalsy(); // production did not stream
      expect(versionOf(body)).toBe(1);
      expect(body.messages[1].content).toMatch(/^Ticket #\d: Question number \d: I was charged twice$/);
    }
    expect(r.summary).toMatchObject({ regressed: 0, improved: 0, unchanged: 6 });
  });

  it('re-runs a version as the baseline on the same inputs when asked', async () => {
    scriptV2(ws.fake);
    const r = await run(planReplay(await options('2', { baseline: await ws.target('1') })));
    expect(r.baseline).toMatchObject({ version: 1 });
    expect(r.inputs.every((i) => i.baseline.origin === 'replayed')).toBe(true);
    expect(r.summary).toMatchObject({ inputs: 6, improved: 1, regressed: 2, unchanged: 3 });
    expect(chatRequests(ws.fake)).toHaveLength(12);
  });

  it('asks a pairwise judge in a randomised order and measures position bias on the swapped sample', async () => {
    // A judge that always prefers the first answer: all bias, no judgement.
    scriptByVersion(ws.fake, (v, ticket, req) => {
      const sys = (req.body?.messages ?? [])[0]?.content ?? '';
      if (String(sys).startsWith('You compare')) return { content: '{"reason": "A reads better", "winner": "A"}' };
      return { content: v === 2 && ticket === 1 ? BAD : v === 2 ? `${GOOD} Anything else?` : GOOD };
    });
    const judge = { provider: 'openai' as const, model: 'gpt-4o-mini' };
    const r = await run(planReplay(await options('2', { judge, swapShare: 1 })));
    const j = r.summary.judge;
    expect(j).toMatchObject({ swapped: 6, errors: 0, consistency: 0, firstPositionWins: 1 });
    expect((j?.candidate ?? 0) + (j?.baseline ?? 0)).toBe(6);
    const firsts = new Set(r.inputs.map((i) => i.judge?.candidateFirst));
    expect(firsts.size).toBe(2); // both orders were used
    // A verdict that flips with the order decides nothing.
    for (const i of r.inputs.filter((x) => x.vars?.ticket !== 1))
      expect(i).toMatchObject({ outcome: 'unchanged', why: 'the judge changed its mind when the order was swapped' });
  });

  it('counts a judge that answers nonsense as a judge error, never a verdict', async () => {
    scriptByVersion(ws.fake, (v, _t, req) => {
      const sys = (req.body?.messages ?? [])[0]?.content ?? '';
      if (String(sys).startsWith('You compare')) return { content: 'I like the second one' };
      return { content: v === 2 ? `${GOOD} Anything else?` : GOOD };
    });
    const r = await run(planReplay(await options('2', { judge: { provider: 'openai', model: 'gpt-4o-mini' } })));
    expect(r.summary.judge).toMatchObject({ errors: 6, candidate: 0, baseline: 0 });
    expect(r.inputs[0]?.judge?.error).toMatch(/not JSON: "I like the second one"/);
    expect(r.summary.unchanged).toBe(6);
  });

  it('measures similarity with embeddings when asked, and waits out a 429 retry-after', async () => {
    scriptV2(ws.fake);
    ws.fake.enqueue({ fault: 'rate_limit', retryAfterSeconds: 0.2 });
    const r = await run(planReplay(await options('2')), { similarity: 'embeddings' });
    expect(r.settings.similarity).toBe('embeddings');
    expect(r.rateLimited).toBe(1);
    expect(r.summary).toMatchObject({ inputs: 6, errors: 0, regressed: 2, improved: 1 });
    const embedded = ws.fake.requests.filter((q) => q.path.endsWith('/embeddings'));
    expect(embedded).toHaveLength(6);
    for (const i of r.inputs) {
      if (i.changed) expect(i.similarity).toBeLessThan(0.999);
      else expect(i.similarity).toBeCloseTo(1, 9);
    }
  });

  it('asks no judge about an output that did not change', async () => {
    scriptByVersion(ws.fake, () => ({ content: GOOD }));
    const r = await run(planReplay(await options('2', { judge: { provider: 'openai', model: 'gpt-4o-mini' } })));
    expect(r.inputs.every((i) => i.judge === undefined && i.why === 'same output')).toBe(true);
    expect(ws.fake.requests.filter((q) => String(q.body?.messages?.[0]?.content).startsWith('You compare'))).toEqual(
      [],
    );
  });

  it('sends nothing on a plan, and stops before the estimate passes --max-cost', async () => {
    scriptV2(ws.fake);
    const plan = planReplay(await options('2'));
    expect(ws.fake.requests).toHaveLength(0);
    const perInput = plan.planned[0]?.calls[0]?.usd as number;
    expect(perInput).toBeGreaterThan(0);
    expect(plan.estimate.usd).toBeCloseTo(perInput * 6, 12);
    const capped = planReplay(await options('2', { maxCostUsd: perInput * 2.5 }));
    expect(capped.planned).toHaveLength(2);
    expect(capped.stoppedAtCostCap).toBe(true);
    expect(capped.skipped.filter((s) => s.reason.includes('--max-cost'))).toHaveLength(4);
    const r = await run(capped);
    expect(r.inputs).toHaveLength(2);
    expect(chatRequests(ws.fake)).toHaveLength(2);
    expect(r.stoppedAtCostCap).toBe(true);
  });

  it('gates with the test policy words and counts regressions', async () => {
    scriptV2(ws.fake);
    const r = await run(planReplay(await options('2')), {
      policy: { minPassRate: 0, maxNewFailures: 5, maxRegressions: 0 },
    });
    expect(r.verdict.pass).toBe(false);
    expect(r.verdict.checks.find((c) => c.name === 'regressions')).toMatchObject({ pass: false });
    expect(r.verdict.checks.find((c) => c.name === 'no new failures against the baseline')).toMatchObject({
      pass: true,
    });
  });

  it('applies the redaction hook to what it reads before sending it', async () => {
    scriptByVersion(ws.fake, () => ({ content: GOOD }));
    const redact = (kind: string, value: unknown) =>
      kind === 'prompt_variables'
        ? { ...(value as Record<string, string>), question: 'REDACTED' }
        : kind === 'output'
          ? 'REDACTED OUTPUT with refund'
          : value;
    const r = await run(planReplay(await options('2', { redact })));
    const users = chatRequests(ws.fake).map((q) => q.body.messages[1].content);
    expect(users.every((u: string) => u.endsWith(': REDACTED'))).toBe(true);
    expect(r.inputs.every((i) => i.baseline.output === 'REDACTED OUTPUT with refund')).toBe(true);
    const throwing = planReplay(
      await options('2', {
        redact: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(throwing.planned).toHaveLength(0);
    // A hook that throws hides the input: never sent with what it was meant to hide.
    expect(throwing.skipped.filter((x) => /the redaction hook failed on the output: boom/.test(x.reason))).toHaveLength(
      6,
    );
  });
});
