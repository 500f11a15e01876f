/**
 * Implicit feedback: what users do with an answer, mapped to a score that can be changed.
 */
import { FeedbackError } from './errors.js';

export const IMPLICIT_SIGNALS = ['accepted', 'copied', 'edited', 'regenerated', 'discarded', 'abandoned'] as const;
export type ImplicitSignal = (typeof IMPLICIT_SIGNALS)[number];

/** What a mapping function sees. `editRatio` is set for `edited` (0 = unchanged, 1 = rewritten). */
export interface ImplicitContext {
  signal: ImplicitSignal;
  editRatio?: number;
}

/** A fixed score, a function of the signal's detail, or null to record the signal with no score. */
export type ImplicitScore = number | null | ((ctx: ImplicitContext) => number | null);

/**
 * The default mapping (documented in the README; override any entry with `implicitScores`):
 * accepted 1 (used as is), copied 0.7 (weak positive: people also copy to criticise), edited 1 - edit ratio
 * (Vellum's "actuals" convention), regenerated 0 (the user asked for another answer), discarded 0,
 * abandoned 0.2 (weak negative: leaving is ambiguous).
 */
export const DEFAULT_IMPLICIT_SCORES: Readonly<Record<ImplicitSignal, ImplicitScore>> = Object.freeze({
  accepted: 1,
  copied: 0.7,
  edited: (ctx: ImplicitContext) => 1 - (ctx.editRatio ?? 0),
  regenerated: 0,
  discarded: 0,
  abandoned: 0.2,
});

export function checkSignal(signal: unknown): ImplicitSignal {
  if (typeof signal !== 'string' || !(IMPLICIT_SIGNALS as readonly string[]).includes(signal)) {
    throw new FeedbackError(
      'invalid_input',
      `Unknown implicit signal ${JSON.stringify(signal)}; use one of ${IMPLICIT_SIGNALS.join(', ')}.`,
    );
  }
  return signal as ImplicitSignal;
}

export function checkImplicitScores(
  scores: Partial<Record<ImplicitSignal, ImplicitScore>> | undefined,
): Readonly<Record<ImplicitSignal, ImplicitScore>> {
  if (scores === undefined) return DEFAULT_IMPLICIT_SCORES;
  const merged: Record<ImplicitSignal, ImplicitScore> = { ...DEFAULT_IMPLICIT_SCORES };
  for (const [key, value] of Object.entries(scores)) {
    const signal = checkSignal(key);
    if (value !== null && typeof value !== 'function' && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new FeedbackError(
        'invalid_input',
        `implicitScores.${key}: expected a finite number, null or a function (ctx) => number | null.`,
      );
    }
    if (value !== undefined) merged[signal] = value;
  }
  return Object.freeze(merged);
}

/** The score a signal maps to. A mapping function that throws or returns a non-number is the caller's bug. */
export function implicitScore(
  scores: Readonly<Record<ImplicitSignal, ImplicitScore>>,
  ctx: ImplicitContext,
): number | undefined {
  const entry = scores[ctx.signal];
  const score = typeof entry === 'function' ? entry(ctx) : entry;
  if (score === null || score === undefined) return undefined;
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new FeedbackError(
      'invalid_input',
      `implicitScores.${ctx.signal} returned ${String(score)}; a mapping must give a finite number or null.`,
    );
  }
  return score;
}

/** Cells of the dynamic-programming table computed before falling back to a coarser measure. */
export const EDIT_RATIO_BUDGET = 2_000_000;

/**
 * How much of `original` was changed to get `edited`, from 0 (identical) to 1 (nothing kept).
 *
 * Exact when cheap: the Levenshtein distance between the two texts (UTF-16 units, after removing their
 * common prefix and suffix) divided by the longer length. The cost is bounded: when the differing middle
 * parts would need more than {@link EDIT_RATIO_BUDGET} table cells, the same measure is computed over
 * whitespace-separated words instead, and when even that is too large, over the multiset of words
 * (1 − shared words ÷ the larger word count; word order is ignored). Time is O(budget + length).
 */
export function editRatio(original: string, edited: string): number {
  if (typeof original !== 'string' || typeof edited !== 'string') {
    throw new FeedbackError('invalid_input', 'editRatio(original, edited): both arguments must be strings.');
  }
  if (original === edited) return 0;
  const longest = Math.max(original.length, edited.length);
  let start = 0;
  const minLen = Math.min(original.length, edited.length);
  while (start < minLen && original.charCodeAt(start) === edited.charCodeAt(start)) start++;
  let endA = original.length;
  let endB = edited.length;
  while (endA > start && endB > start && original.charCodeAt(endA - 1) === edited.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) return Math.max(n, m) / longest;
  if (n * m <= EDIT_RATIO_BUDGET) {
    return (
      levenshtein(
        n,
        m,
        (i) => original.charCodeAt(start + i),
        (j) => edited.charCodeAt(start + j),
      ) / longest
    );
  }
  const wordsA = original.split(/\s+/).filter(Boolean);
  const wordsB = edited.split(/\s+/).filter(Boolean);
  const words = Math.max(wordsA.length, wordsB.length);
  if (words === 0) return 1;
  if (wordsA.length * wordsB.length <= EDIT_RATIO_BUDGET) {
    const ids = new Map<string, number>();
    const id = (w: string): number => {
      let v = ids.get(w);
      if (v === undefined) {
        v = ids.size;
        ids.set(w, v);
      }
      return v;
    };
    const a = wordsA.map(id);
    const b = wordsB.map(id);
    return (
      levenshtein(
        a.length,
        b.length,
        (i) => a[i],
        (j) => b[j],
      ) / words
    );
  }
  const counts = new Map<string, number>();
  for (const w of wordsA) counts.set(w, (counts.get(w) ?? 0) + 1);
  let shared = 0;
  for (const w of wordsB) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      shared++;
      counts.set(w, c - 1);
    }
  }
  return 1 - shared / words;
}

function levenshtein(n: number, m: number, a: (i: number) => number, b: (j: number) => number): number {
  let prev = new Uint32Array(m + 1);
  let cur = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    const ai = a(i - 1);
    for (let j = 1; j <= m; j++) {
      const cost = ai === b(j - 1) ? 0 : 1;
      const del = prev[j] + 1;
      const ins = cur[j - 1] + 1;
      const sub = prev[j - 1] + cost;
      cur[j] = Math.min(del, ins, sub);
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}
