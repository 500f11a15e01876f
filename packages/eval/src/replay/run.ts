/**
 * `promptscope replay` as functions: {@link planReplay} turns captured completions into inputs (or skips,
 * with reasons) and estimates what running them costs; {@link runReplay} runs the plan through the same
 * {@link Runner} as `promptscope test` (cache, retries, rate-limit pauses, traced `replay <input>` spans
 * linked to the production span), scores each input against its baseline and builds the report.
 */
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { TracerProvider } from '@opentelemetry/api';
import type { RedactHook } from '@promptscope/core';
import type { JudgeSettings } from '../assert/judge.js';
import type { Assertion } from '../assert/types.js';
import { varsKey } from '../bank/ids.js';
import type { Bank, BankCase } from '../bank/model.js';
import { describeError } from '../errors.js';
import type { CapturedCompletion } from '../harvest/spans.js';
import type { RunRecord } from '../report/types.js';
import { ResponseCache } from '../run/cache.js';
import type { ChatRequest } from '../run/providers.js';
import { mapPool, type RetryOptions } from '../run/retry.js';
import { type Execution, Runner } from '../run/runner.js';
import { chatRequest, type Target } from '../run/target.js';
import { targetInfo } from '../suite.js';
import { type CallEstimate, CostEstimator, total } from './estimate.js';
import { type PreparedInput, pickCompletions, prepareInput, type ReplayFilter } from './inputs.js';
import { embeddingSimilarity, inSwapSample, judgePair, pairwiseRequest, transcript } from './judge.js';
import { decide, lexicalSimilarity, type ReplayPolicy, replayVerdict, summarize } from './summary.js';
import {
  REPLAY_SCHEMA,
  type ReplayInput,
  type ReplayReport,
  type ReplaySide,
  type ReplaySource,
  type SkippedInput,
} from './types.js';

export const REPLAY_NOTICE =
  'This report holds production content: the inputs real users sent and the answers production and the candidate gave them. Keep it where production data may be kept, and do not attach it to public issues.';

/** Share of judged inputs asked again in the swapped order (position bias). */
export const DEFAULT_SWAP_SHARE = 0.2;

export interface ReplayPlanOptions {
  prompt: string;
  completions: CapturedCompletion[];
  filter: ReplayFilter;
  candidate: Target;
  /** Undefined: the recorded production output is the baseline. */
  baseline?: Target;
  /** The prompt's bank: its defaults apply to every input, a case's assertions to inputs with its variables. */
  bank?: Bank;
  judge?: JudgeSettings;
  swapShare?: number;
  redact?: RedactHook;
  estimator?: CostEstimator;
  /** Stop before the estimate passes this (USD). */
  maxCostUsd?: number;
}

export interface PlannedInput {
  input: PreparedInput;
  /** What the candidate is sent (rendered or re-sent): what --dry-run prints. */
  request?: ChatRequest;
  renderError?: string;
  calls: CallEstimate[];
}

export interface ReplayPlan {
  options: ReplayPlanOptions;
  found: number;
  planned: PlannedInput[];
  skipped: SkippedInput[];
  estimate: { usd: number | null; calls: number; unpriced: number };
  stoppedAtCostCap: boolean;
}

const unique = (ids: Set<string>, id: string) => {
  let out = id;
  for (let n = 2; ids.has(out); n++) out = `${id}-${n}`;
  ids.add(out);
  return out;
};

function baselineRequest(p: PreparedInput, baseline: Target): ChatRequest {
  if (p.mode === 'resent' && p.request !== undefined)
    return { ...p.request, provider: baseline.provider, model: baseline.model };
  return chatRequest(baseline, p.vars ?? {});
}

/** Picks, prepares and prices the inputs; nothing is sent. */
export function planReplay(o: ReplayPlanOptions): ReplayPlan {
  const { picked, found } = pickCompletions(o.completions, o.filter);
  const resend = o.candidate.overridden !== undefined;
  const estimator = o.estimator ?? new CostEstimator();
  const skipped: SkippedInput[] = [];
  const planned: PlannedInput[] = [];
  const ids = new Set<string>();
  for (const c of picked) {
    const prepared = prepareInput(c, {
      candidate: o.candidate,
      resend,
      needsRecordedOutput: o.baseline === undefined,
      ...(o.redact !== undefined ? { redact: o.redact } : {}),
    });
    if (!prepared.ok) {
      skipped.push({ traceId: c.span.traceId, spanId: c.span.spanId, reason: prepared.reason });
      continue;
    }
    const input = { ...prepared.input, id: unique(ids, prepared.input.id) };
    const entry: PlannedInput = { input, calls: [] };
    try {
      entry.request = input.request ?? chatRequest(o.candidate, input.vars ?? {});
    } catch (err) {
      // Still run: the candidate's span records the render error, as `promptscope test` does.
      entry.renderError = describeError(err);
    }
    if (entry.request !== undefined) {
      entry.calls.push(estimator.call(entry.request, input, input.mode === 'resent'));
      if (o.baseline !== undefined) {
        try {
          entry.calls.push(estimator.call(baselineRequest(input, o.baseline), input, input.mode === 'resent'));
        } catch {}
      }
      if (o.judge !== undefined) {
        const guess = input.recorded.output ?? '';
        const req = pairwiseRequest(o.judge, transcript(entry.request.messages), guess, guess);
        entry.calls.push(estimator.judge(req));
        if (inSwapSample(seedOf(o.candidate), input.id, o.swapShare ?? DEFAULT_SWAP_SHARE))
          entry.calls.push(estimator.judge(req));
      }
    }
    planned.push(entry);
  }
  let stoppedAtCostCap = false;
  let kept = planned;
  if (o.maxCostUsd !== undefined) {
    let sum = 0;
    kept = [];
    for (const p of planned) {
      const cost = total(p.calls).usd as number;
      if (stoppedAtCostCap || sum + cost > o.maxCostUsd) {
        stoppedAtCostCap = true;
        skipped.push({
          traceId: p.input.span.traceId,
          spanId: p.input.span.spanId,
          reason: `not run: the estimate would pass --max-cost $${o.maxCostUsd}`,
        });
        continue;
      }
      sum += cost;
      kept.push(p);
    }
  }
  return {
    options: o,
    found,
    planned: kept,
    skipped,
    estimate: total(kept.flatMap((p) => p.calls)),
    stoppedAtCostCap,
  };
}

const seedOf = (t: Target) => `${t.prompt}\u0000${t.sha256}\u0000${t.model}`;

export interface ReplayRunOptions {
  runId?: string;
  source: Omit<ReplaySource, 'found'>;
  similarity?: 'lexical' | 'embeddings';
  concurrency?: number;
  /** undefined: no cache. */
  cacheDir?: string;
  tracerProvider?: TracerProvider;
  env?: Record<string, string | undefined>;
  embeddingModel?: string;
  retry?: RetryOptions;
  policy?: ReplayPolicy;
  jaegerUrl?: string;
  onInput?: (input: ReplayInput) => void;
}

function assertionsFor(
  bank: Bank | undefined,
  vars: PreparedInput['vars'],
): { assert: Assertion[]; threshold?: number; match?: BankCase } {
  if (bank === undefined) return { assert: [] };
  const key = vars !== undefined ? varsKey(vars) : undefined;
  const match = key !== undefined ? bank.cases.find((c) => varsKey(c.vars) === key) : undefined;
  // A matching case already carries the defaults (merged when the bank was read).
  if (match !== undefined) return { assert: match.assert, match };
  return {
    assert: bank.defaults.assert,
    ...(bank.defaults.threshold !== undefined ? { threshold: bank.defaults.threshold } : {}),
  };
}

function sideOf(r: RunRecord, t: Target): ReplaySide {
  const s: ReplaySide = {
    origin: 'replayed',
    assertions: r.assertions,
    status: r.status,
    cached: r.cached,
    model: t.model,
  };
  if (r.output !== undefined) s.output = r.output;
  if (r.finishReason !== undefined) s.finishReason = r.finishReason;
  if (r.latencyMs !== undefined) s.latencyMs = r.latencyMs;
  if (r.ttftMs !== undefined) s.ttftMs = r.ttftMs;
  if (r.tokens !== undefined) s.tokens = r.tokens;
  if (r.costUsd !== undefined) s.costUsd = r.costUsd;
  if (r.error !== undefined) s.error = r.error;
  if (r.infra) s.infra = true;
  if (r.traceId !== undefined) s.traceId = r.traceId;
  if (r.spanId !== undefined) s.spanId = r.spanId;
  return s;
}

export async function runReplay(plan: ReplayPlan, o: ReplayRunOptions): Promise<ReplayReport> {
  const p = plan.options;
  const startedAt = new Date().toISOString();
  const runId = o.runId ?? randomUUID();
  const cache = new ResponseCache(o.cacheDir);
  const runner = new Runner({
    cache,
    suite: p.prompt,
    runId,
    kind: 'replay',
    ...(o.tracerProvider !== undefined ? { tracerProvider: o.tracerProvider } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    ...(p.judge !== undefined ? { judge: p.judge } : {}),
    ...(o.embeddingModel !== undefined ? { embeddingModel: o.embeddingModel } : {}),
    ...(o.retry !== undefined ? { retry: o.retry } : {}),
  });
  const baseDir = p.bank !== undefined ? dirname(p.bank.file) : process.cwd();
  const similarity = o.similarity ?? 'lexical';
  const seed = seedOf(p.candidate);
  const swapShare = p.swapShare ?? DEFAULT_SWAP_SHARE;
  let spent = 0;
  const overSpent: SkippedInput[] = [];

  const one = async (planned: PlannedInput): Promise<ReplayInput | undefined> => {
    const input = planned.input;
    if (p.maxCostUsd !== undefined && spent >= p.maxCostUsd) {
      overSpent.push({
        traceId: input.span.traceId,
        spanId: input.span.spanId,
        reason: `not run: --max-cost $${p.maxCostUsd} was spent`,
      });
      return undefined;
    }
    const { assert, match, threshold } = assertionsFor(p.bank, input.vars);
    const exec: Execution = {
      target: p.candidate,
      caseId: input.id,
      vars: input.vars ?? {},
      assert,
      repeat: 0,
      baseDir,
      source: { traceId: input.span.traceId, spanId: input.span.spanId },
      ...(input.request !== undefined ? { request: input.request } : {}),
      ...(match?.expected !== undefined ? { expected: match.expected } : {}),
      ...((match?.threshold ?? threshold) !== undefined
        ? { threshold: (match?.threshold ?? threshold) as number }
        : {}),
    };
    const baselineRun =
      p.baseline !== undefined
        ? runner.execute({
            ...exec,
            target: p.baseline,
            ...(input.mode === 'resent' ? { request: baselineRequest(input, p.baseline) } : {}),
          })
        : undefined;
    const [cRec, bRec] = await Promise.all([runner.execute(exec), baselineRun]);
    const candidate = sideOf(cRec, p.candidate);
    let baseline: ReplaySide;
    if (bRec !== undefined && p.baseline !== undefined) baseline = sideOf(bRec, p.baseline);
    else {
      baseline = { ...input.recorded };
      const assessed = await runner.assess(exec, {
        output: baseline.output ?? '',
        ...(exec.expected !== undefined ? { expected: exec.expected } : {}),
        ...(baseline.latencyMs !== undefined ? { latencyMs: baseline.latencyMs } : {}),
        costUsd: baseline.costUsd ?? null,
        ...(baseline.finishReason !== undefined ? { finishReason: baseline.finishReason } : {}),
        vars: exec.vars,
        caseId: exec.caseId,
      });
      baseline.assertions = assessed.assertions;
      baseline.status = assessed.status;
      if (assessed.error !== undefined) Object.assign(baseline, { error: assessed.error, infra: true });
    }
    for (const s of [candidate, bRec !== undefined ? baseline : undefined])
      if (typeof s?.costUsd === 'number' && !s.cached) spent += s.costUsd;

    const out: ReplayInput = {
      id: input.id,
      mode: input.mode,
      production: {
        traceId: input.span.traceId,
        spanId: input.span.spanId,
        startedAt: new Date(input.span.startMs).toISOString(),
        ...(input.span.attributes['gen_ai.prompt.version'] !== undefined
          ? { promptVersion: String(input.span.attributes['gen_ai.prompt.version']) }
          : {}),
        ...(input.span.service !== undefined ? { service: input.span.service } : {}),
        ...(o.jaegerUrl !== undefined ? { url: `${o.jaegerUrl}/trace/${input.span.traceId}` } : {}),
      },
      baseline,
      candidate,
      changed: false,
      outcome: 'unchanged',
      why: '',
    };
    if (input.vars !== undefined) out.vars = input.vars;
    if (match !== undefined) out.caseId = match.id;
    const both = candidate.output !== undefined && baseline.output !== undefined && !candidate.error && !baseline.error;
    if (both) {
      const a = baseline.output as string;
      const b = candidate.output as string;
      out.changed = a.trim() !== b.trim();
      try {
        out.similarity = similarity === 'lexical' ? lexicalSimilarity(a, b) : await embeddingSimilarity(runner, a, b);
      } catch (err) {
        out.why = `similarity: ${describeError(err)}`;
      }
      // The same text needs no judge (and costs nothing to compare).
      if (p.judge !== undefined && planned.request !== undefined && out.changed)
        out.judge = await judgePair(runner, p.judge, planned.request, a, b, seed, input.id, swapShare);
    }
    const decided = decide(candidate, baseline, out.judge, out.changed);
    out.outcome = decided.outcome;
    out.why = out.why ? `${decided.why}; ${out.why}` : decided.why;
    o.onInput?.(out);
    return out;
  };

  let results: (ReplayInput | undefined)[];
  try {
    results = await mapPool(plan.planned, o.concurrency ?? 4, one);
  } finally {
    runner.close();
  }
  const inputs = results.filter((r): r is ReplayInput => r !== undefined);
  const skipped = [...plan.skipped, ...overSpent];
  const report: ReplayReport = {
    schema: REPLAY_SCHEMA,
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    prompt: p.prompt,
    containsProductionContent: true,
    notice: REPLAY_NOTICE,
    source: { ...o.source, found: plan.found },
    candidate: targetInfo(p.candidate),
    baseline: p.baseline !== undefined ? targetInfo(p.baseline) : 'recorded',
    settings: {
      concurrency: o.concurrency ?? 4,
      similarity,
      cache: o.cacheDir !== undefined,
      ...(p.judge !== undefined ? { judge: `${p.judge.provider}/${p.judge.model}` } : {}),
      ...(p.maxCostUsd !== undefined ? { maxCostUsd: p.maxCostUsd } : {}),
    },
    estimate: plan.estimate,
    ...(plan.stoppedAtCostCap || overSpent.length > 0 ? { stoppedAtCostCap: true } : {}),
    ...(o.policy !== undefined ? { policy: o.policy } : {}),
    summary: summarize(inputs, skipped, p.judge !== undefined ? `${p.judge.provider}/${p.judge.model}` : undefined),
    inputs,
    skipped,
    verdict: replayVerdict(inputs, o.policy),
    cache: { hits: cache.hits, misses: cache.misses },
    rateLimited: runner.gate.rateLimited,
    ...(o.jaegerUrl !== undefined ? { jaegerUrl: o.jaegerUrl } : {}),
  };
  return report;
}
