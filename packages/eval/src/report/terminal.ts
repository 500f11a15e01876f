/** The terminal report: a table of cases, worst first, the policy's checks, and the closing `N passed, N failed`. */
import type { CaseOutcome, CaseReport, Report } from './types.js';

const RANK: Record<string, number> = { error: 0, fail: 1, pass: 2 };

function label(o: CaseOutcome): string {
  const base = o.status === 'pass' && o.unstable ? 'pass~' : o.status;
  return o.runs > 1 ? `${base} ${o.passes}/${o.runs}` : base;
}

function why(c: CaseReport): string {
  const rec = c.candidate.records.find((r) => r.status !== 'pass');
  if (rec === undefined) return '';
  if (rec.error !== undefined) return rec.error;
  const bad = rec.assertions.filter((a) => !a.pass);
  return bad.map((a) => `${a.type}: ${a.error ?? a.reason}`).join('; ');
}

const ms = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x)}`);
const usd = (x: number | null | undefined) => (x === null ? 'unknown' : x === undefined ? '-' : `$${x.toFixed(6)}`);

function avg(
  o: CaseOutcome,
  pick: (r: CaseOutcome['records'][number]) => number | null | undefined,
): number | null | undefined {
  const xs = o.records.map(pick);
  if (xs.some((x) => x === null)) return null;
  const nums = xs.filter((x): x is number => typeof x === 'number');
  return nums.length === 0 ? undefined : nums.reduce((s, x) => s + x, 0) / nums.length;
}

function table(rows: string[][]): string[] {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd(),
  );
}

/** Worst first: errors, then failures (new failures first), then unstable passes, then passes. */
export function worstFirst(cases: CaseReport[]): CaseReport[] {
  return [...cases].sort(
    (a, b) =>
      (RANK[a.candidate.status] as number) - (RANK[b.candidate.status] as number) ||
      Number(b.newFailure ?? false) - Number(a.newFailure ?? false) ||
      a.candidate.passRate - b.candidate.passRate ||
      a.id.localeCompare(b.id),
  );
}

export function formatTerminal(r: Report): string {
  const lines: string[] = [];
  const name = (t: Report['candidate']) =>
    `${t.prompt} ${t.file !== undefined ? `draft ${t.ref}` : `v${t.version}`} (${t.provider}/${t.model})`;
  lines.push(`promptscope test: ${name(r.candidate)}${r.baseline ? ` against ${name(r.baseline)}` : ''}`);
  lines.push(
    `bank ${r.bank.file}: ${r.cases.length} case(s)${r.shard ? ` in shard ${r.shard.index}/${r.shard.total} of ${r.bank.cases}` : ''}; repeat ${r.settings.repeat}, pass at ${r.settings.minPass}/${r.settings.repeat}; run ${r.runId}`,
  );
  if (r.notice) lines.push(`note: ${r.notice}`);
  lines.push('');
  const header = ['case', 'candidate', ...(r.baseline ? ['baseline'] : []), 'latency ms', 'ttft ms', 'cost', 'why'];
  const rows = worstFirst(r.cases).map((c) => [
    `${c.critical ? '!' : ' '}${c.id}`,
    `${label(c.candidate)}${c.newFailure ? ' NEW' : ''}${c.withinNoise ? ' (noise?)' : ''}`,
    ...(c.baseline ? [label(c.baseline)] : []),
    ms(avg(c.candidate, (x) => x.latencyMs) ?? undefined),
    ms(avg(c.candidate, (x) => x.ttftMs) ?? undefined),
    usd(avg(c.candidate, (x) => x.costUsd)),
    why(c).replace(/\s+/g, ' ').slice(0, 160),
  ]);
  lines.push(...table([header, ...rows]));
  lines.push('');
  lines.push('(! critical; pass~ passed on some repeats only; NEW passes on the baseline, fails on the candidate)');
  for (const c of r.verdict.checks) lines.push(`${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  lines.push(
    `cache: ${r.cache.hits} hit(s), ${r.cache.misses} miss(es)${r.rateLimited > 0 ? `; waited out ${r.rateLimited} rate limit(s)` : ''}`,
  );
  const verdict =
    r.verdict.infraErrors > 0
      ? `ERROR: ${r.verdict.infraErrors} run(s) or check(s) could not be made properly; no verdict`
      : r.verdict.pass
        ? 'PASS'
        : 'FAIL: the gate failed';
  lines.push(verdict);
  lines.push(`${r.verdict.passed} passed, ${r.verdict.failed} failed`);
  return `${lines.join('\n')}\n`;
}
