/**
 * `promptscope test` as a function: a bank's cases (this shard's), each run `repeat` times against the
 * candidate and, when given, the baseline, through one {@link Runner}; then the policy's verdict and the
 * report. Shards of one run are merged with {@link mergeReports} into the same verdict an unsharded run gives.
 */
import { createHash, randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { TracerProvider } from '@opentelemetry/api';
import type { JudgeSettings } from './assert/judge.js';
import type { Bank, BankCase } from './bank/model.js';
import { BankError } from './errors.js';
import { compare, evaluatePolicy, outcomeOf, type Policy } from './policy.js';
import { type CaseReport, REPORT_SCHEMA, type Report, type RunRecord, type TargetInfo } from './report/types.js';
import { ResponseCache } from './run/cache.js';
import { mapPool, type RetryOptions } from './run/retry.js';
import { Runner } from './run/runner.js';
import type { Target } from './run/target.js';

export interface Shard {
  /** 1-based. */
  index: number;
  total: number;
}

export interface SuiteOptions {
  bank: Bank;
  candidate: Target;
  baseline?: Target;
  policy: Policy;
  /** Runs per case and version (default 1) and how many must pass (default all). */
  repeat?: number;
  minPass?: number;
  concurrency?: number;
  shard?: Shard;
  runId?: string;
  /** undefined: no cache (`--no-cache`). */
  cacheDir?: string;
  tracerProvider?: TracerProvider;
  env?: Record<string, string | undefined>;
  captureContent?: boolean;
  judge?: JudgeSettings;
  embeddingModel?: string;
  retry?: RetryOptions;
  /** Called as each execution finishes (progress). */
  onRecord?: (caseId: string, which: 'candidate' | 'baseline', record: RunRecord) => void;
}

/** `"2/4"` → { index: 2, total: 4 }. */
export function parseShard(raw: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || total < 1 || index < 1 || index > total)
    throw new Error(`--shard ${raw}: expected i/n with 1 <= i <= n, e.g. 1/3`);
  return { index, total };
}

/** Which shard a case belongs to: by a hash of its id, so adding a case never moves the others. */
export function shardOf(caseId: string, total: number): number {
  return (createHash('sha256').update(caseId).digest().readUInt32BE(0) % total) + 1;
}

export function targetInfo(t: Target): TargetInfo {
  return {
    prompt: t.prompt,
    ref: t.ref,
    version: t.version,
    sha256: t.sha256,
    provider: t.provider,
    model: t.model,
    ...(t.file !== undefined ? { file: t.file } : {}),
    ...(t.overridden !== undefined ? { overridden: t.overridden } : {}),
  };
}

const NOTICE =
  'This report holds production content: cases taken from production carry the variables (and pinned outputs) that real users sent, and the outputs below answer them. Keep it where the bank is kept.';

export async function runSuite(o: SuiteOptions): Promise<Report> {
  const startedAt = new Date().toISOString();
  const repeat = o.repeat ?? 1;
  const minPass = o.minPass ?? repeat;
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new BankError(`repeat must be a positive whole number, got ${repeat}`, { file: o.bank.file });
  if (!Number.isInteger(minPass) || minPass < 1 || minPass > repeat) {
    throw new BankError(`min-pass must be from 1 to the repeat count (${repeat}), got ${minPass}`, {
      file: o.bank.file,
    });
  }
  if (o.candidate.prompt !== o.bank.prompt)
    throw new BankError(`${o.bank.file} is the bank of "${o.bank.prompt}", not "${o.candidate.prompt}"`, {
      file: o.bank.file,
    });
  const cases = o.shard
    ? o.bank.cases.filter((c) => shardOf(c.id, (o.shard as Shard).total) === (o.shard as Shard).index)
    : o.bank.cases;
  const runId = o.runId ?? randomUUID();
  const cache = new ResponseCache(o.cacheDir);
  const runner = new Runner({
    cache,
    suite: o.bank.prompt,
    runId,
    kind: 'test',
    ...(o.tracerProvider !== undefined ? { tracerProvider: o.tracerProvider } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    ...(o.captureContent !== undefined ? { captureContent: o.captureContent } : {}),
    ...(o.judge !== undefined ? { judge: o.judge } : {}),
    ...(o.embeddingModel !== undefined ? { embeddingModel: o.embeddingModel } : {}),
    ...(o.retry !== undefined ? { retry: o.retry } : {}),
  });
  const targets: ['candidate' | 'baseline', Target][] = [['candidate', o.candidate]];
  if (o.baseline !== undefined) targets.push(['baseline', o.baseline]);
  const tasks = cases.flatMap((c) =>
    targets.flatMap(([which, target]) => Array.from({ length: repeat }, (_, r) => ({ c, which, target, r }))),
  );
  const baseDir = dirname(o.bank.file);
  let records: RunRecord[];
  try {
    records = await mapPool(tasks, o.concurrency ?? 4, async (t) => {
      const rec = await runner.execute({
        target: t.target,
        caseId: t.c.id,
        vars: t.c.vars,
        assert: t.c.assert,
        repeat: t.r,
        baseDir,
        ...(t.c.expected !== undefined ? { expected: t.c.expected } : {}),
        ...(t.c.threshold !== undefined ? { threshold: t.c.threshold } : {}),
        ...(t.c.source !== undefined ? { source: t.c.source } : {}),
      });
      o.onRecord?.(t.c.id, t.which, rec);
      return rec;
    });
  } finally {
    runner.close();
  }
  const byCase = new Map<string, { candidate: RunRecord[]; baseline: RunRecord[] }>();
  tasks.forEach((t, i) => {
    let entry = byCase.get(t.c.id);
    if (entry === undefined) byCase.set(t.c.id, (entry = { candidate: [], baseline: [] }));
    entry[t.which].push(records[i] as RunRecord);
  });
  const reports = cases.map((c) =>
    caseReport(c, byCase.get(c.id) ?? { candidate: [], baseline: [] }, minPass, o.baseline !== undefined),
  );
  const production = cases.some((c) => c.source?.traceId !== undefined || c.tags.includes('from-production'));
  const report: Report = {
    schema: REPORT_SCHEMA,
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    prompt: o.bank.prompt,
    bank: { file: o.bank.file, sha256: o.bank.sha256, cases: o.bank.cases.length },
    candidate: targetInfo(o.candidate),
    settings: {
      repeat,
      minPass,
      concurrency: o.concurrency ?? 4,
      cache: o.cacheDir !== undefined,
      ...(o.judge ? { judge: `${o.judge.provider}/${o.judge.model}` } : {}),
    },
    policy: o.policy,
    containsProductionContent: production,
    cache: { hits: cache.hits, misses: cache.misses },
    rateLimited: runner.gate.rateLimited,
    cases: reports,
    verdict: evaluatePolicy(reports, o.policy, o.baseline !== undefined),
  };
  if (o.baseline !== undefined) report.baseline = targetInfo(o.baseline);
  if (o.shard !== undefined) report.shard = { ...o.shard, cases: cases.map((c) => c.id) };
  if (production) report.notice = NOTICE;
  return report;
}

function caseReport(
  c: BankCase,
  recs: { candidate: RunRecord[]; baseline: RunRecord[] },
  minPass: number,
  withBaseline: boolean,
): CaseReport {
  const r: CaseReport = {
    id: c.id,
    critical: c.critical,
    tags: c.tags,
    vars: c.vars,
    candidate: outcomeOf(recs.candidate, minPass),
  };
  if (c.description !== undefined) r.description = c.description;
  if (c.source !== undefined) r.source = c.source;
  if (withBaseline) r.baseline = outcomeOf(recs.baseline, minPass);
  compare(r);
  return r;
}

/**
 * One report from the shards of one run: every shard 1..n present once, all of the same candidate,
 * baseline, bank and settings; the verdict is computed again over all cases.
 */
export function mergeReports(shards: Report[]): Report {
  if (shards.length === 0) throw new Error('merge needs at least one report');
  const first = shards[0] as Report;
  const where = (r: Report) => `report ${r.runId}${r.shard ? ` (shard ${r.shard.index}/${r.shard.total})` : ''}`;
  for (const r of shards) {
    if (r.schema !== REPORT_SCHEMA)
      throw new Error(`${where(r)}: not a promptscope test report (schema ${JSON.stringify(r.schema)})`);
    if (r.shard === undefined)
      throw new Error(`${where(r)} covers the whole bank already; merge takes the reports of --shard runs`);
    const same: [string, unknown, unknown][] = [
      ['prompt', r.prompt, first.prompt],
      ['candidate sha256', r.candidate.sha256, first.candidate.sha256],
      ['candidate model', r.candidate.model, first.candidate.model],
      ['baseline sha256', r.baseline?.sha256, first.baseline?.sha256],
      ['bank sha256', r.bank.sha256, first.bank.sha256],
      ['shard count', r.shard.total, first.shard?.total],
      ['settings', JSON.stringify(r.settings), JSON.stringify(first.settings)],
      ['policy', JSON.stringify(r.policy), JSON.stringify(first.policy)],
    ];
    for (const [what, a, b] of same)
      if (a !== b)
        throw new Error(
          `${where(r)}: ${what} differs from ${where(first)} (${String(a)} vs ${String(b)}): not shards of one run`,
        );
  }
  const total = first.shard?.total as number;
  const seen = new Map<number, Report>();
  for (const r of shards) {
    const index = (r.shard as NonNullable<Report['shard']>).index;
    if (seen.has(index))
      throw new Error(`shard ${index}/${total} given twice (${where(seen.get(index) as Report)} and ${where(r)})`);
    seen.set(index, r);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new Error(`missing shard(s) ${missing.map((i) => `${i}/${total}`).join(', ')}: the verdict needs every case`);
  const cases = shards.flatMap((r) => r.cases);
  const merged: Report = {
    ...first,
    runId: shards.map((r) => r.runId).join('+'),
    startedAt: shards.map((r) => r.startedAt).sort()[0] as string,
    finishedAt: shards
      .map((r) => r.finishedAt)
      .sort()
      .at(-1) as string,
    containsProductionContent: shards.some((r) => r.containsProductionContent),
    cache: {
      hits: shards.reduce((n, r) => n + r.cache.hits, 0),
      misses: shards.reduce((n, r) => n + r.cache.misses, 0),
    },
    rateLimited: shards.reduce((n, r) => n + r.rateLimited, 0),
    cases,
    verdict: evaluatePolicy(cases, first.policy, first.baseline !== undefined),
  };
  delete merged.shard;
  if (merged.containsProductionContent) merged.notice = NOTICE;
  return merged;
}
