/**
 * The replay report as text: the terminal summary (worst regressions first, closing `N passed, N failed`)
 * and Markdown sized for a pull-request comment (GitHub cuts comments at 65 536 characters; this stays
 * far below by listing at most ten inputs with their outputs shortened).
 */
import type { TargetInfo } from '../report/types.js';
import { type Target, targetName } from '../run/target.js';
import type { Delta, ReplayInput, ReplayReport } from './types.js';

const ORDER = { regressed: 0, error: 1, improved: 2, unchanged: 3 } as const;

/** Regressions first, least similar first within each outcome. */
export function worstInputs(r: ReplayReport): ReplayInput[] {
  return [...r.inputs].sort((a, b) => ORDER[a.outcome] - ORDER[b.outcome] || (a.similarity ?? 1) - (b.similarity ?? 1));
}

// targetName reads only the fields a report keeps.
const name = (t: TargetInfo) => targetName(t as unknown as Target);
export const baselineName = (r: ReplayReport) =>
  r.baseline === 'recorded' ? 'production (recorded)' : name(r.baseline);
export const candidateName = (r: ReplayReport) => name(r.candidate);

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${Math.round(x)} ms`);
const usd = (x: number | undefined) => (x === undefined ? 'unknown' : `$${x.toFixed(6)}`);
const share = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);

function deltaLine(label: string, d: Delta, unit: (x: number | undefined) => string): string {
  const change = d.change !== undefined ? ` (${pct(d.change)})` : '';
  return `${label}: ${unit(d.candidate)} against ${unit(d.baseline)}${change}`;
}

/** The figures both formats print, one per line. */
export function summaryLines(r: ReplayReport): string[] {
  const s = r.summary;
  const lines = [
    `${s.inputs} inputs replayed: ${s.improved} improved, ${s.regressed} regressed, ${s.unchanged} unchanged, ${s.errors} errors; ${s.changed} outputs changed`,
  ];
  if (s.skipped > 0)
    lines.push(
      `${s.skipped} skipped: ${Object.entries(s.skippedBy)
        .map(([why, n]) => `${n} ${why}`)
        .join('; ')}`,
    );
  if (s.meanSimilarity !== undefined)
    lines.push(`similarity to the baseline (${r.settings.similarity}): mean ${s.meanSimilarity.toFixed(3)}`);
  const j = s.judge;
  if (j !== undefined) {
    const rate =
      j.winRate !== undefined && j.interval !== undefined
        ? `candidate wins ${share(j.winRate)} of decided pairs (95% CI ${share(j.interval[0])}..${share(j.interval[1])})`
        : 'no decided pairs';
    const bias =
      j.swapped > 0
        ? `; verdict held on ${share(j.consistency)} of ${j.swapped} swapped pairs, first position won ${share(j.firstPositionWins)}`
        : '';
    lines.push(
      `judge ${j.model}: ${rate}; ${j.candidate}/${j.baseline}/${j.ties} candidate/baseline/tie, ${j.errors} errors${bias}`,
    );
  }
  lines.push(deltaLine('latency p50', s.latencyP50Ms, ms), deltaLine('latency p95', s.latencyP95Ms, ms));
  lines.push(
    deltaLine('time to first token p50', s.ttftP50Ms, ms),
    deltaLine('time to first token p95', s.ttftP95Ms, ms),
  );
  const unknown = s.costPerCallUsd.unknown;
  lines.push(
    `${deltaLine('cost per call', s.costPerCallUsd, usd)}${unknown.candidate + unknown.baseline > 0 ? ` (${unknown.candidate} candidate and ${unknown.baseline} baseline calls without a known price)` : ''}`,
  );
  lines.push(deltaLine('error rate', s.errorRate, share));
  return lines;
}

const oneLine = (s: string | undefined, max: number) => {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

export function formatReplayTerminal(r: ReplayReport, max = 10): string {
  const out = [
    `! ${r.notice}`,
    `replay ${r.prompt}: ${candidateName(r)} against ${baselineName(r)}, ${r.source.found} completions found in ${r.source.kind === 'jaeger' ? 'Jaeger' : r.source.where}`,
    ...summaryLines(r).map((l) => `  ${l}`),
  ];
  if (r.stoppedAtCostCap)
    out.push(`  stopped at --max-cost $${r.settings.maxCostUsd}: the inputs not run are among the skipped`);
  const worst = worstInputs(r).filter((i) => i.outcome === 'regressed' || i.outcome === 'error');
  if (worst.length > 0) out.push('', 'worst first:');
  for (const i of worst.slice(0, max)) {
    out.push(`  ${i.outcome.toUpperCase()} ${i.id}: ${i.why}`);
    out.push(`    baseline:  ${oneLine(i.baseline.output ?? i.baseline.error, 140)}`);
    out.push(`    candidate: ${oneLine(i.candidate.output ?? i.candidate.error, 140)}`);
    if (i.production.url !== undefined) out.push(`    production trace: ${i.production.url}`);
  }
  if (worst.length > max) out.push(`  … and ${worst.length - max} more (see --json or --html)`);
  if (r.verdict.checks.length > 0) {
    out.push('', `gate: ${r.verdict.pass ? 'PASS' : 'FAIL'}`);
    for (const c of r.verdict.checks) out.push(`  ${c.pass ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  }
  out.push(`${r.verdict.passed} passed, ${r.verdict.failed} failed`);
  return `${out.join('\n')}\n`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function formatReplayMarkdown(r: ReplayReport, max = 10): string {
  const s = r.summary;
  const out = [
    `### Replay of \`${r.prompt}\`: ${candidateName(r)} against ${baselineName(r)}`,
    '',
    `> ⚠️ ${r.notice}`,
    '',
    '| inputs | improved | regressed | unchanged | errors | changed | skipped |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${s.inputs} | ${s.improved} | ${s.regressed} | ${s.unchanged} | ${s.errors} | ${s.changed} | ${s.skipped} |`,
    '',
    ...summaryLines(r)
      .slice(1)
      .map((l) => `- ${l}`),
  ];
  if (r.verdict.checks.length > 0) {
    out.push('', `**Gate: ${r.verdict.pass ? 'pass' : 'fail'}**`, '');
    for (const c of r.verdict.checks) out.push(`- ${c.pass ? '✅' : '❌'} ${c.name}: ${cell(c.detail)}`);
  }
  const worst = worstInputs(r).filter((i) => i.outcome !== 'unchanged');
  if (worst.length > 0) {
    out.push('', '<details><summary>Changed verdicts, worst first</summary>', '');
    out.push('| input | outcome | why | baseline | candidate |', '| --- | --- | --- | --- | --- |');
    for (const i of worst.slice(0, max)) {
      const id = i.production.url !== undefined ? `[${i.id}](${i.production.url})` : `\`${i.id}\``;
      out.push(
        `| ${id} | ${i.outcome} | ${cell(oneLine(i.why, 120))} | ${cell(oneLine(i.baseline.output ?? i.baseline.error, 160))} | ${cell(oneLine(i.candidate.output ?? i.candidate.error, 160))} |`,
      );
    }
    if (worst.length > max) out.push('', `… and ${worst.length - max} more in the full report.`);
    out.push('', '</details>');
  }
  out.push('', `\`${r.verdict.passed} passed, ${r.verdict.failed} failed\``);
  return `${out.join('\n')}\n`;
}
