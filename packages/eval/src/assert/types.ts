/**
 * The assertion vocabulary: promptfoo's names, so a bank reads the same in both tools. Every type also takes
 * a `not-` prefix (the result inverted), a `weight` and a `threshold`.
 */
export const ASSERTION_TYPES = [
  'equals',
  'contains',
  'icontains',
  'contains-any',
  'contains-all',
  'icontains-any',
  'icontains-all',
  'starts-with',
  'regex',
  'is-json',
  'contains-json',
  'javascript',
  'similar',
  'llm-rubric',
  'latency',
  'cost',
  'finish-reason',
] as const;

export type AssertionType = (typeof ASSERTION_TYPES)[number];

/** One assertion of a case, as validated from the bank. */
export interface Assertion {
  /** The type as written, e.g. `not-contains`. */
  type: string;
  base: AssertionType;
  negate: boolean;
  value?: unknown;
  threshold?: number;
  /** Default 1. */
  weight: number;
  /** A name for reports (promptfoo's `metric`); default the type. */
  metric?: string;
}

/** What one assertion concluded about one output. */
export interface AssertionResult {
  type: string;
  metric?: string;
  /** Whether it held (after `not-`); false when it errored. */
  pass: boolean;
  /** 0..1 (after `not-`). */
  score: number;
  weight: number;
  /** Why, in one line: what was expected and what was found. */
  reason: string;
  /** Set when the assertion could not be evaluated (judge nonsense, a throwing javascript, unknown cost): never a pass. */
  error?: string;
}

/** Types whose `value` must be a list of strings. */
export const LIST_TYPES = new Set<AssertionType>(['contains-any', 'contains-all', 'icontains-any', 'icontains-all']);
/** Types that need a `value` string. */
export const STRING_TYPES = new Set<AssertionType>([
  'contains',
  'icontains',
  'starts-with',
  'regex',
  'javascript',
  'llm-rubric',
  'finish-reason',
]);
/** Types that need a numeric `threshold` (their limit). */
export const THRESHOLD_TYPES = new Set<AssertionType>(['latency', 'cost']);
/** Types that compare with the case's `expected` when they have no `value`. */
export const EXPECTED_TYPES = new Set<AssertionType>(['equals', 'similar']);
