/**
 * The JSON report of a run: every case with, per prompt version, each repeat's output, assertion results,
 * latency, time to first chunk, tokens, cost and trace id; the policy; the verdict. Shards of one run merge
 * into one report (same schema), and promotion reads these files.
 */
import type { AssertionResult } from '../assert/types.js';
import type { CaseSource, Vars } from '../bank/model.js';

export const REPORT_SCHEMA = 'promptscope.test-report/1';

/** One execution of one case (one repeat) against one version. */
export interface RunRecord {
  repeat: number;
  status: 'pass' | 'fail' | 'error';
  output?: string;
  finishReason?: string;
  latencyMs?: number;
  ttftMs?: number;
  tokens?: { input?: number; output?: number };
  /** null: the model has no known price (never 0). */
  costUsd?: number | null;
  /** Answered from the response cache: no provider request (the measurements are the original call's). */
  cached: boolean;
  /** The run's own span of this execution (`test <case>`), in the backend the run exported to (absent without a tracer provider). */
  traceId?: string;
  spanId?: string;
  /** What went wrong before any assertion could run (rendering, the provider). */
  error?: string;
  /** The error was the provider's or the setup's (unreachable, no key): the verdict cannot be trusted. */
  infra?: boolean;
  assertions: AssertionResult[];
}

/** A case against one version, over its repeats. */
export interface CaseOutcome {
  status: 'pass' | 'fail' | 'error';
  passes: number;
  runs: number;
  /** passes / runs with its 95 % Wilson interval. */
  passRate: number;
  interval: [number, number];
  /** Passed on some repeats and failed on others. */
  unstable: boolean;
  records: RunRecord[];
}

export interface CaseReport {
  id: string;
  description?: string;
  critical: boolean;
  tags: string[];
  vars: Vars;
  source?: CaseSource;
  candidate: CaseOutcome;
  baseline?: CaseOutcome;
  /** Passes on the baseline, fails on the candidate. */
  newFailure?: boolean;
  /** For a new failure with repeats: the difference is not significant (Fisher's exact test, p >= 0.05). */
  withinNoise?: boolean;
}

export interface TargetInfo {
  prompt: string;
  ref: string;
  version: number;
  sha256: string;
  provider: string;
  model: string;
  file?: string;
  overridden?: { model?: string; provider?: string };
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export interface Verdict {
  pass: boolean;
  /** Cases of the candidate. */
  passed: number;
  failed: number;
  /** Some run could not be made properly (provider unreachable, no key): exit 2, not a verdict. */
  infraErrors: number;
  checks: Check[];
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  runId: string;
  startedAt: string;
  finishedAt: string;
  prompt: string;
  bank: { file: string; sha256: string; cases: number };
  /** Set on a shard's report; a merged report has none (it covers the whole bank). */
  shard?: { index: number; total: number; cases: string[] };
  candidate: TargetInfo;
  baseline?: TargetInfo;
  settings: { repeat: number; minPass: number; concurrency: number; cache: boolean; judge?: string };
  policy: import('../policy.js').Policy;
  /** Cases from production carry production inputs (and outputs): the report says so. */
  containsProductionContent: boolean;
  notice?: string;
  cache: { hits: number; misses: number };
  rateLimited: number;
  cases: CaseReport[];
  verdict: Verdict;
}
