import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import type { Evaluation, EvaluationSpec, FeedbackValue } from './evaluations.js';
import type { ImplicitScore, ImplicitSignal } from './implicit.js';
import type { FeedbackSecret, ParsedFeedbackToken } from './token.js';

/** The instrumentation scope of every span, log record and metric this package emits. */
export const FEEDBACK_SCOPE = '@promptscope/feedback';
export const SCOPE_VERSION = '0.1.0';
/** The conventions' event name (semconv `gen_ai.evaluation.result`). */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';
/** Environment variable holding the token secret (a comma-separated list during a rotation: the first signs). */
export const SECRET_ENV = 'PROMPTSCOPE_FEEDBACK_SECRET';
/**
 * Buckets of `promptscope.feedback.score`: fine steps over 0..1 (the recommended scale, and where
 * booleans and the implicit mapping land) and whole steps for 1-5 and 1-10 ratings.
 */
export const FEEDBACK_SCORE_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 10];

export type FeedbackKind = 'explicit' | 'implicit' | 'label';
export type FeedbackSource = 'user' | 'app' | 'annotator' | 'eval';

/** One piece of feedback on a completion. */
export interface FeedbackInput {
  /** The evaluation name, e.g. `thumbs`, `helpfulness`, `tone`. Goes on metrics: keep the set small. */
  name: string;
  /** A number, a boolean (score 1/0, label pass/fail) or a declared category label. */
  value: FeedbackValue;
  /** Default `explicit`. */
  kind?: FeedbackKind;
  /** Who gave it. Default: `user` for explicit, `app` for implicit, `annotator` for label. */
  source?: FeedbackSource;
  /** Free text, recorded as `gen_ai.evaluation.explanation` (truncated to `maxCommentLength`). */
  comment?: string;
  /**
   * Idempotency key: feedback with the same id on the same completion supersedes the earlier record
   * (last wins, when reading; see the README).
   */
  id?: string;
}

/** Details of an implicit signal. `edited` needs `editRatio`, or `original` and `edited` to compute it. */
export interface ImplicitDetail {
  editRatio?: number;
  original?: string;
  edited?: string;
  comment?: string;
  id?: string;
  source?: FeedbackSource;
}

/** What was recorded. */
export interface FeedbackResult {
  name: string;
  kind: FeedbackKind;
  source: FeedbackSource;
  score?: number;
  label?: string;
  id?: string;
  /** The completion the feedback is about. */
  traceId: string;
  spanId: string;
}

export interface FeedbackOptions {
  /** Declared evaluations: values of these names are checked. `thumbs` (boolean) is declared unless given here. */
  evaluations?: Record<string, EvaluationSpec>;
  /** Refuse names that are not declared (default false: undeclared names take numbers and booleans). */
  strict?: boolean;
  /** Sign and verify tokens (default: `PROMPTSCOPE_FEEDBACK_SECRET`; a list during a rotation, the first signs). */
  secret?: FeedbackSecret;
  /** Overrides of the implicit-signal mapping, merged over {@link DEFAULT_IMPLICIT_SCORES}. */
  implicitScores?: Partial<Record<ImplicitSignal, ImplicitScore>>;
  /** The evaluation name implicit signals are recorded under (default `implicit`). */
  implicitName?: string;
  /** The evaluation name `thumbs()` records (default `thumbs`). */
  thumbsName?: string;
  /** Longer comments are cut (default 2000 characters). */
  maxCommentLength?: number;
  /** Default: the global providers (set up by `@promptscope/register` or your own SDK), looked up per call. */
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  loggerProvider?: LoggerProvider;
}

export interface Feedback {
  /**
   * A token for the completion `result` came from (a response or stream an instrumented SDK returned, or a
   * `CompletionRef`); with no argument, for the active span and prompt. Undefined when no completion is
   * known (instrumentation off, no active span). Never throws.
   */
  token(...result: [] | [unknown]): string | undefined;
  /** Records feedback. Throws {@link FeedbackError} on invalid input; never for telemetry failures. */
  record(token: string, input: FeedbackInput): FeedbackResult;
  /** `record(token, { name: 'thumbs', value: up, kind: 'explicit', source: 'user' })`. */
  thumbs(token: string, up: boolean, extra?: Pick<FeedbackInput, 'comment' | 'id'>): FeedbackResult;
  /** Records an implicit signal, scored by the mapping, under the name `implicit` with the signal as label. */
  implicit(token: string, signal: ImplicitSignal, detail?: ImplicitDetail): FeedbackResult;
  /** Declares (or redeclares) an evaluation. */
  define(name: string, spec: EvaluationSpec): Evaluation;
  /** The declared evaluation, if any. */
  evaluation(name: string): Evaluation | undefined;
  /** Parses a token with this instance's secret. */
  parse(token: string): ParsedFeedbackToken;
}
