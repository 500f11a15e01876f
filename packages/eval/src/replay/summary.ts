/**
 * What one replayed input came to (improved, regressed, unchanged, error) and what the run as a whole did:
 * the counts, the judge's win rate with its interval and its position bias, and the deltas of latency,
 * time to first token, cost per call and error rate. The gate reuses `promptscope test`'s policy: each
 * input is a case whose candidate and baseline outcomes are the two sides' assertion results.
 */
import { diffWords } from 'diff';
import { outcomeOf as caseOutcome, compare, evaluatePolicy, type Policy } from '../policy.js';
import type { CaseReport, Check, RunRecord, Verdict } from '../report/types.js';
import { mean, percentile, wilson } from '../stats.js';
import type {
  Delta,
  JudgeResult,
  ReplayInput,
  ReplayOutcome,
  ReplaySide,
  ReplaySummary,
  SkippedInput,
} from './types.js';

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/** Share of words the two texts have in common, in order (2·same / (|a| + |b|)); 1 for two empty texts. */
export function lexicalSimilarity(a: string, b: string): number {
  const total = words(a) + words(b);
  if (total === 0) return 1;
  let same = 0;
  for (const part of diffWords(a, b)) if (!part.added && !part.removed) same += words(part.value);
  return (2 * same) / total;
}

const failedTypes = (s: ReplaySide) =>
  s.assertions
    .filter((r) => !r.pass)
    .map((r) => r.type)
    .join(', ');

/** Assertions first (pass beats fail), then (for a changed output) the judge; a side that could not run makes the input an error. */
export function decide(
  candidate: ReplaySide,
  baseline: ReplaySide,
  judge: JudgeResult | undefined,
  changed = true,
): { outcome: ReplayOutcome; why: string } {
  if (candidate.infra || (candidate.status === 'error' && candidate.assertions.length === 0))
    return { outcome: 'error', why: `candidate: ${candidate.error ?? 'the call failed'}` };
  if (
    baseline.origin === 'replayed' &&
    (baseline.infra || (baseline.status === 'error' && baseline.assertions.length === 0))
  )
    return { outcome: 'error', why: `baseline: ${baseline.error ?? 'the call failed'}` };
  const cPass = candidate.status === 'pass';
  const bPass = baseline.status === 'pass';
  if (bPass && !cPass)
    return { outcome: 'regressed', why: `${failedTypes(candidate) || 'assertions'} failed on the candidate` };
  if (!bPass && cPass)
    return {
      outcome: 'improved',
      why: `${failedTypes(baseline) || 'assertions'} failed on the baseline, pass on the candidate`,
    };
  if (!changed) return { outcome: 'unchanged', why: 'same output' };
  const v = judge?.error === undefined ? judge?.verdict : undefined;
  const held = judge?.swapped === undefined || judge.swapped.verdict === judge.verdict;
  if (v === 'candidate' && held)
    return { outcome: 'improved', why: `the judge preferred the candidate: ${judge?.reason}` };
  if (v === 'baseline' && held)
    return { outcome: 'regressed', why: `the judge preferred the baseline: ${judge?.reason}` };
  if (v !== undefined && !held)
    return { outcome: 'unchanged', why: 'the judge changed its mind when the order was swapped' };
  return { outcome: 'unchanged', why: cPass ? 'both pass' : 'both fail' };
}

function delta(c: number | undefined, b: number | undefined): Delta {
  const d: Delta = {};
  if (c !== undefined) d.candidate = c;
  if (b !== undefined) d.baseline = b;
  if (c !== undefined && b !== undefined && b !== 0) d.change = (c - b) / b;
  return d;
}

const nums = (xs: (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number');

export function summarize(inputs: ReplayInput[], skipped: SkippedInput[], judgeModel?: string): ReplaySummary {
  const count = (o: ReplayOutcome) => inputs.filter((i) => i.outcome === o).length;
  const skippedBy: Record<string, number> = {};
  for (const s of skipped) skippedBy[s.reason] = (skippedBy[s.reason] ?? 0) + 1;
  const side = (which: 'candidate' | 'baseline') => inputs.map((i) => i[which]);
  const lat = (which: 'candidate' | 'baseline') => nums(side(which).map((s) => s.latencyMs));
  const ttft = (which: 'candidate' | 'baseline') => nums(side(which).map((s) => s.ttftMs));
  const cost = (which: 'candidate' | 'baseline') => nums(side(which).map((s) => s.costUsd));
  const unknownCost = (which: 'candidate' | 'baseline') =>
    side(which).filter((s) => s.error === undefined && (s.costUsd === null || s.costUsd === undefined)).length;
  const errRate = (which: 'candidate' | 'baseline') =>
    inputs.length === 0 ? undefined : side(which).filter((s) => s.error !== undefined).length / inputs.length;
  const sims = nums(inputs.map((i) => i.similarity));
  const summary: ReplaySummary = {
    inputs: inputs.length,
    improved: count('improved'),
    regressed: count('regressed'),
    unchanged: count('unchanged'),
    errors: count('error'),
    changed: inputs.filter((i) => i.changed).length,
    skipped: skipped.length,
    skippedBy,
    latencyP50Ms: delta(percentile(lat('candidate'), 0.5), percentile(lat('baseline'), 0.5)),
    latencyP95Ms: delta(percentile(lat('candidate'), 0.95), percentile(lat('baseline'), 0.95)),
    ttftP50Ms: delta(percentile(ttft('candidate'), 0.5), percentile(ttft('baseline'), 0.5)),
    ttftP95Ms: delta(percentile(ttft('candidate'), 0.95), percentile(ttft('baseline'), 0.95)),
    costPerCallUsd: {
      // Unknown prices make the mean unknown, never a mean of the priced ones passed off as the whole.
      ...delta(
        unknownCost('candidate') === 0 ? mean(cost('candidate')) : undefined,
        unknownCost('baseline') === 0 ? mean(cost('baseline')) : undefined,
      ),
      unknown: { candidate: unknownCost('candidate'), baseline: unknownCost('baseline') },
    },
    errorRate: delta(errRate('candidate'), errRate('baseline')),
  };
  const m = mean(sims);
  if (m !== undefined) summary.meanSimilarity = m;
  if (judgeModel !== undefined) summary.judge = judgeSummary(judgeModel, inputs);
  return summary;
}

function judgeSummary(model: string, inputs: ReplayInput[]): NonNullable<ReplaySummary['judge']> {
  const judged = inputs.map((i) => i.judge).filter((j): j is JudgeResult => j !== undefined);
  const ok = judged.filter((j) => j.error === undefined);
  const candidate = ok.filter((j) => j.verdict === 'candidate').length;
  const baseline = ok.filter((j) => j.verdict === 'baseline').length;
  const out: NonNullable<ReplaySummary['judge']> = {
    model,
    candidate,
    baseline,
    ties: ok.length - candidate - baseline,
    errors: judged.length - ok.length,
    swapped: ok.filter((j) => j.swapped !== undefined).length,
  };
  const decided = candidate + baseline;
  if (decided > 0) {
    out.winRate = candidate / decided;
    out.interval = wilson(candidate, decided);
  }
  const swapped = ok.filter((j) => j.swapped !== undefined);
  if (swapped.length > 0)
    out.consistency = swapped.filter((j) => j.swapped?.verdict === j.verdict).length / swapped.length;
  // Every judged order: did the answer shown first win?
  let first = 0;
  let orders = 0;
  for (const j of ok) {
    const orderings: [JudgeResult['verdict'], boolean][] = [[j.verdict, j.candidateFirst]];
    if (j.swapped !== undefined) orderings.push([j.swapped.verdict, !j.candidateFirst]);
    for (const [v, candFirst] of orderings) {
      if (v === 'tie') continue;
      orders++;
      if ((v === 'candidate') === candFirst) first++;
    }
  }
  if (orders > 0) out.firstPositionWins = first / orders;
  return out;
}

function record(s: ReplaySide): RunRecord {
  const r: RunRecord = { repeat: 0, status: s.status, cached: s.cached ?? false, assertions: s.assertions };
  if (s.output !== undefined) r.output = s.output;
  if (s.latencyMs !== undefined) r.latencyMs = s.latencyMs;
  if (s.costUsd !== undefined) r.costUsd = s.costUsd;
  if (s.error !== undefined) r.error = s.error;
  if (s.infra) r.infra = true;
  return r;
}

/** Replay's policy: `promptscope test`'s, plus a cap on regressions (assertions or the judge). */
export interface ReplayPolicy extends Policy {
  maxRegressions?: number;
}

/** The gate over the inputs, as `promptscope test` computes it over cases (each input one case, one run). */
export function replayVerdict(inputs: ReplayInput[], policy: ReplayPolicy | undefined): Verdict {
  const cases: CaseReport[] = inputs.map((i) => {
    const c: CaseReport = {
      id: i.id,
      critical: false,
      tags: [],
      vars: i.vars ?? {},
      candidate: caseOutcome([record(i.candidate)], 1),
      baseline: caseOutcome([record(i.baseline)], 1),
    };
    compare(c);
    return c;
  });
  if (policy === undefined) {
    const v = evaluatePolicy(cases, { minPassRate: 0, maxNewFailures: Number.MAX_SAFE_INTEGER }, true);
    return { ...v, pass: v.infraErrors === 0, checks: [] };
  }
  const v = evaluatePolicy(cases, policy, true);
  if (policy.maxRegressions !== undefined) {
    const regressed = inputs.filter((i) => i.outcome === 'regressed');
    const check: Check = {
      name: 'regressions',
      pass: regressed.length <= policy.maxRegressions,
      detail: `${regressed.length} regressed (allowed ${policy.maxRegressions})${
        regressed.length > 0
          ? `: ${regressed
              .slice(0, 10)
              .map((i) => i.id)
              .join(', ')}${regressed.length > 10 ? ', …' : ''}`
          : ''
      }`,
    };
    v.checks.push(check);
    v.pass = v.pass && check.pass;
  }
  return v;
}
