/**
 * Runs a case's assertions on one output. Model-graded ones (similar, llm-rubric) call models through the
 * run's `grader`; a failure to evaluate is an `error` result, which never counts as a pass.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, InfraError } from '../errors.js';
import { jsonAssertion } from './json.js';
import { parseJudgeReply } from './judge.js';
import { textAssertion, type Verdict } from './text.js';
import type { Assertion, AssertionResult } from './types.js';

/** What the assertions of one run see. */
export interface Observed {
  output: string;
  expected?: string;
  latencyMs?: number;
  costUsd?: number | null;
  finishReason?: string;
  vars: Record<string, unknown>;
  caseId: string;
}

/** Model calls for model-graded assertions (cached and traced by the run). */
export interface Grader {
  judge(rubric: string, output: string): Promise<string>;
  embed(texts: string[]): Promise<number[][]>;
  /** Resolves `javascript` module paths (the bank file's folder). */
  baseDir: string;
}

export const DEFAULT_SIMILAR_THRESHOLD = 0.75;

export function cosine(a: number[], b: number[]): number {
  if (a.length !== b.length || a.length === 0)
    throw new Error(`embeddings of different lengths (${a.length}, ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  if (na === 0 || nb === 0) throw new Error('an embedding is all zeros');
  return dot / Math.sqrt(na * nb);
}

async function verdictOf(a: Assertion, o: Observed, g: Grader): Promise<Verdict> {
  switch (a.base) {
    case 'is-json':
    case 'contains-json':
      return jsonAssertion(a, o.output);
    case 'latency': {
      if (o.latencyMs === undefined) throw new Error('no latency was measured for this run');
      const ok = o.latencyMs <= (a.threshold as number);
      return {
        pass: ok,
        score: ok ? 1 : 0,
        reason: `latency ${Math.round(o.latencyMs)} ms ${ok ? '<=' : '>'} ${a.threshold} ms`,
      };
    }
    case 'cost': {
      if (o.costUsd === null || o.costUsd === undefined)
        throw new Error('the cost of this run is unknown (the model has no price; see PROMPTSCOPE_PRICES_FILE)');
      const ok = o.costUsd <= (a.threshold as number);
      return {
        pass: ok,
        score: ok ? 1 : 0,
        reason: `cost $${o.costUsd.toFixed(6)} ${ok ? '<=' : '>'} $${a.threshold}`,
      };
    }
    case 'finish-reason': {
      const ok = o.finishReason === a.value;
      return {
        pass: ok,
        score: ok ? 1 : 0,
        reason: `finish reason ${o.finishReason ?? 'none'}${ok ? '' : `, not ${a.value}`}`,
      };
    }
    case 'similar': {
      const reference = (a.value as string | undefined) ?? (o.expected as string);
      const [x, y] = await g.embed([o.output, reference]);
      const sim = cosine(x as number[], y as number[]);
      const threshold = a.threshold ?? DEFAULT_SIMILAR_THRESHOLD;
      return {
        pass: sim >= threshold,
        score: Math.max(0, Math.min(1, sim)),
        reason: `similarity ${sim.toFixed(3)} ${sim >= threshold ? '>=' : '<'} ${threshold}`,
      };
    }
    case 'llm-rubric': {
      const v = parseJudgeReply(await g.judge(a.value as string, o.output));
      const pass = a.threshold !== undefined ? v.score >= a.threshold : v.pass;
      return {
        pass,
        score: v.score,
        reason: `judge: ${v.reason || (pass ? 'meets the rubric' : 'does not meet the rubric')} (score ${v.score})`,
      };
    }
    case 'javascript':
      return javascript(a, o, g);
    default:
      return textAssertion(a, o.output, o.expected);
  }
}

/** `value` is a module path (relative to the bank file) whose default export, or `assert`, is `(output, context) => boolean | number | { pass, score?, reason? }`. */
async function javascript(a: Assertion, o: Observed, g: Grader): Promise<Verdict> {
  const path = a.value as string;
  const file = isAbsolute(path) ? path : resolve(g.baseDir, path);
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown; assert?: unknown };
  const fn = typeof mod.default === 'function' ? mod.default : mod.assert;
  if (typeof fn !== 'function') throw new Error(`${file} exports no function (default export or \`assert\`)`);
  const r = await (fn as (output: string, ctx: unknown) => unknown)(o.output, {
    vars: o.vars,
    expected: o.expected,
    caseId: o.caseId,
  });
  if (typeof r === 'boolean') return { pass: r, score: r ? 1 : 0, reason: `${path} returned ${r}` };
  if (typeof r === 'number' && Number.isFinite(r)) {
    const threshold = a.threshold ?? 1;
    return { pass: r >= threshold, score: Math.max(0, Math.min(1, r)), reason: `${path} scored ${r}` };
  }
  if (r !== null && typeof r === 'object' && typeof (r as { pass?: unknown }).pass === 'boolean') {
    const { pass, score, reason } = r as { pass: boolean; score?: unknown; reason?: unknown };
    return {
      pass,
      score: typeof score === 'number' ? score : pass ? 1 : 0,
      reason: typeof reason === 'string' ? reason : `${path}: ${pass}`,
    };
  }
  throw new Error(`${path} returned ${JSON.stringify(r)}: expected a boolean, a number or { pass, score?, reason? }`);
}

/** One assertion's result; throws only an {@link InfraError} (a grading model unreachable). */
export async function evaluateAssertion(a: Assertion, o: Observed, g: Grader): Promise<AssertionResult> {
  const base = { type: a.type, weight: a.weight, ...(a.metric !== undefined ? { metric: a.metric } : {}) };
  try {
    const v = await verdictOf(a, o, g);
    return a.negate
      ? { ...base, pass: !v.pass, score: 1 - v.score, reason: `not: ${v.reason}` }
      : { ...base, pass: v.pass, score: v.score, reason: v.reason };
  } catch (err) {
    // A grading model that cannot be reached is the run's problem, not the output's: the caller reports it.
    if (err instanceof InfraError) throw err;
    return { ...base, pass: false, score: 0, reason: 'could not be evaluated', error: describeError(err) };
  }
}

/** A run passes when every assertion holds, or with a case threshold, when the weighted score reaches it. */
export function runPasses(results: AssertionResult[], threshold: number | undefined): boolean {
  if (results.some((r) => r.error !== undefined)) return false;
  if (threshold === undefined) return results.every((r) => r.pass);
  const weight = results.reduce((s, r) => s + r.weight, 0);
  const score = weight === 0 ? 1 : results.reduce((s, r) => s + r.score * r.weight, 0) / weight;
  return score >= threshold;
}
