/**
 * The gate: every critical case passes; the pass rate reaches `minPassRate`; with a baseline, at most
 * `maxNewFailures` cases that pass on the baseline fail on the candidate; and the mean cost and p95 latency
 * stay within their budgets against the baseline, measured from the run's own spans. A budget that cannot
 * be measured (unknown cost) is not a pass: it is reported as an error.
 */
import type { CaseOutcome, CaseReport, Check, RunRecord, Verdict } from './report/types.js';
import { diffInterval, fisherExact, mean, percentile, wilson } from './stats.js';

export interface Policy {
  /** 0..1, default 1. */
  minPassRate: number;
  /** Default 0. */
  maxNewFailures: number;
  /** Fraction (0.1 = +10 %); unset = no budget. */
  maxCostIncrease?: number;
  maxLatencyIncrease?: number;
}

export const DEFAULT_POLICY: Policy = { minPassRate: 1, maxNewFailures: 0 };

/** `10%`, `0.1`, `10 %` → 0.1. */
export function parseFraction(raw: unknown, what: string): number {
  const text = String(raw).trim();
  const pct = /^(-?\d+(?:\.\d+)?)\s*%$/.exec(text);
  const n = pct ? Number(pct[1]) / 100 : Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0)
    throw new Error(`${what}: expected a percentage like 10% or a fraction like 0.1, got ${JSON.stringify(raw)}`);
  return n;
}

/** A case over its repeats: passes when at least `minPass` of them pass. */
export function outcomeOf(records: RunRecord[], minPass: number): CaseOutcome {
  const passes = records.filter((r) => r.status === 'pass').length;
  const runs = records.length;
  const status = passes >= minPass ? 'pass' : records.some((r) => r.status === 'error') ? 'error' : 'fail';
  return {
    status,
    passes,
    runs,
    passRate: runs === 0 ? 0 : passes / runs,
    interval: wilson(passes, runs),
    unstable: passes > 0 && passes < runs,
    records,
  };
}

/** Marks new failures, and whether each is within noise (only measurable with repeats). */
export function compare(c: CaseReport): void {
  if (c.baseline === undefined) return;
  c.newFailure = c.baseline.status === 'pass' && c.candidate.status !== 'pass';
  if (c.newFailure && c.candidate.runs > 1) {
    const p = fisherExact(
      c.candidate.passes,
      c.candidate.runs - c.candidate.passes,
      c.baseline.passes,
      c.baseline.runs - c.baseline.passes,
    );
    c.withinNoise = p >= 0.05;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

function budget(
  name: string,
  cand: number[],
  base: number[],
  limit: number,
  stat: (xs: number[]) => number | undefined,
  unit: (x: number) => string,
): Check & { unmeasured?: boolean } {
  const c = stat(cand);
  const b = stat(base);
  if (c === undefined || b === undefined)
    return { name, pass: false, detail: 'cannot be measured: no runs with this measurement', unmeasured: true };
  const increase = b === 0 ? (c === 0 ? 0 : Number.POSITIVE_INFINITY) : (c - b) / b;
  return {
    name,
    pass: increase <= limit,
    detail: `${unit(c)} against ${unit(b)} (${signedPct(increase)}, budget +${pct(limit)})`,
  };
}

export function evaluatePolicy(cases: CaseReport[], policy: Policy, hasBaseline: boolean): Verdict {
  const checks: (Check & { unmeasured?: boolean })[] = [];
  const passed = cases.filter((c) => c.candidate.status === 'pass').length;
  const failed = cases.length - passed;
  const infraErrors = cases.reduce(
    (n, c) => n + [...c.candidate.records, ...(c.baseline?.records ?? [])].filter((r) => r.infra).length,
    0,
  );

  const critical = cases.filter((c) => c.critical);
  const criticalFailed = critical.filter((c) => c.candidate.status !== 'pass').map((c) => c.id);
  checks.push({
    name: 'critical cases pass',
    pass: criticalFailed.length === 0,
    detail:
      criticalFailed.length === 0 ? `${critical.length} critical, all pass` : `failing: ${criticalFailed.join(', ')}`,
  });

  const rate = cases.length === 0 ? 1 : passed / cases.length;
  const [lo, hi] = wilson(passed, cases.length);
  let rateDetail = `${passed}/${cases.length} = ${pct(rate)} (95% CI ${pct(lo)}..${pct(hi)}), minimum ${pct(policy.minPassRate)}`;
  if (hasBaseline) {
    const basePassed = cases.filter((c) => c.baseline?.status === 'pass').length;
    const [dl, dh] = diffInterval(passed, cases.length, basePassed, cases.length);
    const noise = dl <= 0 && dh >= 0;
    rateDetail += `; baseline ${basePassed}/${cases.length}, difference ${signedPct((passed - basePassed) / Math.max(1, cases.length))} (95% CI ${signedPct(dl)}..${signedPct(dh)}${noise ? ', within noise' : ''})`;
  }
  checks.push({ name: 'pass rate', pass: rate >= policy.minPassRate, detail: rateDetail });

  if (hasBaseline) {
    const fresh = cases.filter((c) => c.newFailure);
    const noisy = fresh.filter((c) => c.withinNoise).map((c) => c.id);
    checks.push({
      name: 'no new failures against the baseline',
      pass: fresh.length <= policy.maxNewFailures,
      detail:
        fresh.length === 0
          ? 'every case that passes on the baseline passes on the candidate'
          : `${fresh.length} new (allowed ${policy.maxNewFailures}): ${fresh.map((c) => c.id).join(', ')}${noisy.length > 0 ? `; within noise (Fisher p >= 0.05): ${noisy.join(', ')}` : ''}`,
    });
    const cand = cases.flatMap((c) => c.candidate.records).filter((r) => !r.infra);
    const base = cases.flatMap((c) => c.baseline?.records ?? []).filter((r) => !r.infra);
    if (policy.maxCostIncrease !== undefined) {
      const costs = (rs: RunRecord[]) => rs.map((r) => r.costUsd);
      const unknown = [...costs(cand), ...costs(base)].some((x) => x === null);
      checks.push(
        unknown
          ? {
              name: 'mean cost',
              pass: false,
              detail: 'cannot be measured: some runs have no known price (cost is unknown, never 0)',
              unmeasured: true,
            }
          : budget(
              'mean cost',
              costs(cand).filter((x): x is number => typeof x === 'number'),
              costs(base).filter((x): x is number => typeof x === 'number'),
              policy.maxCostIncrease,
              mean,
              (x) => `$${x.toFixed(6)}`,
            ),
      );
    }
    if (policy.maxLatencyIncrease !== undefined) {
      const lat = (rs: RunRecord[]) => rs.map((r) => r.latencyMs).filter((x): x is number => typeof x === 'number');
      checks.push(
        budget(
          'p95 latency',
          lat(cand),
          lat(base),
          policy.maxLatencyIncrease,
          (xs) => percentile(xs, 0.95),
          (x) => `${Math.round(x)} ms`,
        ),
      );
    }
  }
  const unmeasured = checks.filter((c) => c.unmeasured).length;
  return {
    pass: checks.every((c) => c.pass) && infraErrors === 0,
    passed,
    failed,
    infraErrors: infraErrors + unmeasured,
    checks: checks.map(({ unmeasured: _u, ...c }) => c),
  };
}
