/**
 * The replay report: captured production inputs run through a candidate, each beside its baseline (what
 * production returned, or a second version re-run on the same inputs), with the scores, the per-input
 * verdict and the summary. Every format (terminal, JSON, Markdown, HTML) is rendered from this one shape.
 */
import type { AssertionResult } from '../assert/types.js';
import type { Vars } from '../bank/model.js';
import type { Policy } from '../policy.js';
import type { TargetInfo, Verdict } from '../report/types.js';

export const REPLAY_SCHEMA = 'promptscope.replay-report/1';

/** One side of one input: the recorded production call, or a call the replay made. */
export interface ReplaySide {
  /** `recorded`: read from the production span, no call made. */
  origin: 'recorded' | 'replayed';
  output?: string;
  finishReason?: string;
  latencyMs?: number;
  ttftMs?: number;
  tokens?: { input?: number; output?: number };
  /** null: the model has no known price (never 0). */
  costUsd?: number | null;
  /** The call failed (provider error, timeout); for a recorded side, production's `error.type`. */
  error?: string;
  /** The error was the provider's or the setup's, not the output's. */
  infra?: boolean;
  cached?: boolean;
  /** The span of this side: the production completion, or the replay's own `replay <id>` span. */
  traceId?: string;
  spanId?: string;
  model?: string;
  /** Assertion results on this side's output (the bank's defaults, and the matching case's). */
  assertions: AssertionResult[];
  /** pass: every assertion passed (or there were none); error: the call or an assertion could not run. */
  status: 'pass' | 'fail' | 'error';
}

/** The pairwise judge on one input, in terms of the candidate (the A/B order it saw is kept). */
export interface JudgeResult {
  verdict: 'candidate' | 'baseline' | 'tie';
  reason: string;
  /** Which answer was shown first. */
  candidateFirst: boolean;
  /** The same pair judged again in the other order (on a sample), to measure position bias. */
  swapped?: { verdict: 'candidate' | 'baseline' | 'tie'; reason: string };
  /** The judge could not be used or answered something that is not a verdict. */
  error?: string;
}

/** improved / regressed: assertions first (pass beats fail), then the judge; else unchanged. */
export type ReplayOutcome = 'improved' | 'regressed' | 'unchanged' | 'error';

export interface ReplayInput {
  /** Stable: the case id the bank would give these variables (or a hash of the recorded messages). */
  id: string;
  /** How the candidate's request was made: rendered from the recorded variables, or the recorded messages re-sent. */
  mode: 'rendered' | 'resent';
  /** The recorded variables (redacted as the hook says), when there were some. */
  vars?: Vars;
  /** The bank case whose assertions applied, when the variables matched one. */
  caseId?: string;
  production: {
    traceId: string;
    spanId: string;
    startedAt: string;
    promptVersion?: string;
    service?: string;
    /** Jaeger UI link, when read from Jaeger. */
    url?: string;
  };
  baseline: ReplaySide;
  candidate: ReplaySide;
  /** 0..1: how alike the two outputs are (1 = the same text). */
  similarity?: number;
  /** Outputs differ (after trimming). */
  changed: boolean;
  judge?: JudgeResult;
  outcome: ReplayOutcome;
  /** Why, in a few words: `icontains failed on the candidate`, `judge preferred the baseline`. */
  why: string;
  /** Jaeger UI link to the candidate's replay span, when the run exported to a backend with a UI URL. */
  candidateUrl?: string;
}

export interface SkippedInput {
  traceId: string;
  spanId: string;
  reason: string;
}

/** One figure, candidate against baseline: undefined where nothing was measured. */
export interface Delta {
  candidate?: number;
  baseline?: number;
  /** (candidate - baseline) / baseline; undefined when either is unknown or the baseline is 0. */
  change?: number;
}

export interface ReplaySummary {
  inputs: number;
  improved: number;
  regressed: number;
  unchanged: number;
  errors: number;
  /** Outputs whose text differs, whatever the verdict. */
  changed: number;
  skipped: number;
  /** Skipped inputs, by reason. */
  skippedBy: Record<string, number>;
  meanSimilarity?: number;
  judge?: {
    model: string;
    candidate: number;
    baseline: number;
    ties: number;
    errors: number;
    /** Candidate wins over decided pairs, with its 95 % Wilson interval. */
    winRate?: number;
    interval?: [number, number];
    /** Pairs judged in both orders, and how often the verdict held when the order was swapped. */
    swapped: number;
    consistency?: number;
    /** How often the answer shown first won (0.5 = no position bias), over all judged orders. */
    firstPositionWins?: number;
  };
  latencyP50Ms: Delta;
  latencyP95Ms: Delta;
  ttftP50Ms: Delta;
  ttftP95Ms: Delta;
  costPerCallUsd: Delta & { unknown: { candidate: number; baseline: number } };
  errorRate: Delta;
}

export interface ReplaySource {
  kind: 'jaeger' | 'file';
  /** The Jaeger base URL or the replay file. */
  where: string;
  files?: string[];
  since?: string;
  until?: string;
  version?: string;
  limit?: number;
  sample?: number;
  /** Completions of the prompt found in the window, before the limit or sample. */
  found: number;
}

export interface ReplayReport {
  schema: typeof REPLAY_SCHEMA;
  runId: string;
  startedAt: string;
  finishedAt: string;
  prompt: string;
  /** Always true: the report holds production inputs and outputs. */
  containsProductionContent: true;
  notice: string;
  source: ReplaySource;
  candidate: TargetInfo;
  /** `recorded`, or the version re-run as the baseline. */
  baseline: 'recorded' | TargetInfo;
  settings: {
    concurrency: number;
    similarity: 'lexical' | 'embeddings';
    judge?: string;
    cache: boolean;
    maxCostUsd?: number;
  };
  /** What the run was estimated to cost before it started (candidate and re-run baseline calls). */
  estimate: { usd: number | null; calls: number; unpriced: number };
  /** Stopped before the estimate passed --max-cost: the inputs not run are in `skipped`. */
  stoppedAtCostCap?: boolean;
  policy?: Policy;
  summary: ReplaySummary;
  inputs: ReplayInput[];
  skipped: SkippedInput[];
  /** With --fail-on: the gate over the inputs (as `promptscope test` computes it); without, checks is empty. */
  verdict: Verdict;
  cache: { hits: number; misses: number };
  rateLimited: number;
  /** Jaeger UI base for trace links, when known. */
  jaegerUrl?: string;
}
