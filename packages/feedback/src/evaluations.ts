/**
 * Evaluations: what a feedback name means and which values it takes, as in Langfuse score configs
 * (numeric with a range, boolean, categorical with a fixed set of labels).
 */
import { FeedbackError } from './errors.js';

/** A number, optionally bounded (inclusive) and optionally whole. Score = the number. */
export interface NumericEvaluation {
  type: 'numeric';
  min?: number;
  max?: number;
  /** Only whole numbers, e.g. a 1-5 star rating. */
  integer?: boolean;
  description?: string;
}

/** true / false. Score 1 / 0, label `pass` / `fail`. */
export interface BooleanEvaluation {
  type: 'boolean';
  description?: string;
}

/**
 * One label out of a fixed set. Given as a map, each category's number is its score (null: no score, the
 * label alone); given as an array, categories carry no score.
 */
export interface CategoricalEvaluation {
  type: 'categorical';
  categories: Readonly<Record<string, number | null>> | readonly string[];
  description?: string;
}

export type EvaluationSpec = NumericEvaluation | BooleanEvaluation | CategoricalEvaluation;

/** A checked, frozen evaluation. */
export type Evaluation =
  | Readonly<NumericEvaluation>
  | Readonly<BooleanEvaluation>
  | Readonly<{ type: 'categorical'; categories: Readonly<Record<string, number | null>>; description?: string }>;

/** A feedback value: a number, a boolean, or a category label. */
export type FeedbackValue = number | boolean | string;

/** What a value becomes on the evaluation event. */
export interface Normalized {
  score?: number;
  label?: string;
}

export const MAX_NAME_LENGTH = 128;
const MAX_CATEGORIES = 100;
const MAX_CATEGORY_LENGTH = 64;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(message: string): FeedbackError {
  return new FeedbackError('invalid_input', message);
}

/** A short printable string: names, categories, ids. */
export function checkShortString(what: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || CONTROL.test(value)) {
    throw invalid(`${what} must be a non-empty string of at most ${max} characters without control characters.`);
  }
  return value;
}

export function checkName(name: unknown): string {
  return checkShortString('The evaluation name', name, MAX_NAME_LENGTH);
}

/** Validates an evaluation declaration and returns a frozen, normalized copy. */
export function checkEvaluation(name: string, spec: EvaluationSpec): Evaluation {
  const where = `Evaluation "${name}"`;
  if (spec === null || typeof spec !== 'object') {
    throw invalid(`${where}: expected { type: 'numeric' | 'boolean' | 'categorical', ... }.`);
  }
  switch (spec.type) {
    case 'numeric': {
      const { min, max } = spec;
      for (const [k, v] of [
        ['min', min],
        ['max', max],
      ] as const) {
        if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
          throw invalid(`${where}: \`${k}\` must be a finite number when given.`);
        }
      }
      if (min !== undefined && max !== undefined && min > max)
        throw invalid(`${where}: \`min\` is greater than \`max\`.`);
      return Object.freeze({ ...spec });
    }
    case 'boolean':
      return Object.freeze({ ...spec });
    case 'categorical': {
      const raw = spec.categories;
      const entries: [string, number | null][] = Array.isArray(raw)
        ? (raw as readonly string[]).map((c) => [c, null])
        : raw !== null && typeof raw === 'object'
          ? Object.entries(raw as Record<string, number | null>)
          : [];
      if (entries.length === 0 || entries.length > MAX_CATEGORIES) {
        throw invalid(
          `${where}: \`categories\` must list 1 to ${MAX_CATEGORIES} categories, e.g. { good: 1, bad: 0 }.`,
        );
      }
      const categories: Record<string, number | null> = Object.create(null);
      for (const [label, score] of entries) {
        checkShortString(`${where}: a category`, label, MAX_CATEGORY_LENGTH);
        if (score !== null && (typeof score !== 'number' || !Number.isFinite(score))) {
          throw invalid(`${where}: the score of category "${label}" must be a finite number or null.`);
        }
        if (label in categories) throw invalid(`${where}: category "${label}" is listed twice.`);
        categories[label] = score;
      }
      return Object.freeze({ ...spec, categories: Object.freeze(categories) });
    }
    default:
      throw invalid(
        `${where}: unknown type ${JSON.stringify((spec as { type?: unknown }).type)}; use 'numeric', 'boolean' or 'categorical'.`,
      );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}

/**
 * Checks `value` against the evaluation (when declared) and returns its score and label. Undeclared names
 * accept finite numbers and booleans; a category needs a declaration (labels must be a known, small set).
 */
export function normalizeValue(name: string, value: unknown, evaluation: Evaluation | undefined): Normalized {
  if (evaluation === undefined) {
    if (typeof value === 'boolean') return value ? { score: 1, label: 'pass' } : { score: 0, label: 'fail' };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        throw new FeedbackError('value_range', `Feedback "${name}": the value must be a finite number, got ${value}.`);
      }
      return { score: value };
    }
    if (typeof value === 'string') {
      throw new FeedbackError(
        'evaluation_unknown',
        `Feedback "${name}": the category ${describe(value)} cannot be checked because "${name}" is not declared. Declare it first, e.g. defineEvaluation('${name}', { type: 'categorical', categories: { good: 1, bad: 0 } }).`,
      );
    }
    throw new FeedbackError(
      'value_type',
      `Feedback "${name}": the value must be a number, a boolean or a category label, got ${describe(value)}.`,
    );
  }
  switch (evaluation.type) {
    case 'numeric': {
      if (typeof value !== 'number') {
        throw new FeedbackError(
          'value_type',
          `Feedback "${name}" is declared numeric: expected a number, got ${describe(value)}.`,
        );
      }
      const { min, max } = evaluation;
      const range = `${min ?? '-∞'}..${max ?? '∞'}`;
      if (!Number.isFinite(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
        throw new FeedbackError('value_range', `Feedback "${name}": ${value} is outside the declared range ${range}.`);
      }
      if (evaluation.integer === true && !Number.isInteger(value)) {
        throw new FeedbackError(
          'value_range',
          `Feedback "${name}": expected a whole number in ${range}, got ${value}.`,
        );
      }
      return { score: value };
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw new FeedbackError(
          'value_type',
          `Feedback "${name}" is declared boolean: expected true or false, got ${describe(value)}.`,
        );
      }
      return value ? { score: 1, label: 'pass' } : { score: 0, label: 'fail' };
    case 'categorical': {
      const allowed = Object.keys(evaluation.categories);
      if (typeof value !== 'string') {
        throw new FeedbackError(
          'value_type',
          `Feedback "${name}" is declared categorical: expected one of ${allowed.map((c) => JSON.stringify(c)).join(', ')}, got ${describe(value)}.`,
        );
      }
      if (!Object.hasOwn(evaluation.categories, value)) {
        throw new FeedbackError(
          'value_category',
          `Feedback "${name}": unknown category ${describe(value)}; allowed: ${allowed.map((c) => JSON.stringify(c)).join(', ')}.`,
        );
      }
      const score = evaluation.categories[value];
      return score === null ? { label: value } : { score, label: value };
    }
  }
}
