import type { Evaluation, EvaluationSpec } from './evaluations.js';
import { createFeedback } from './feedback.js';
import type { ImplicitSignal } from './implicit.js';
import type { Feedback, FeedbackInput, FeedbackResult, ImplicitDetail } from './types.js';

let defaultFeedback: Feedback | undefined;

/** The instance behind the module-level functions: global providers, secret from the environment. */
export function feedback(): Feedback {
  defaultFeedback ??= createFeedback();
  return defaultFeedback;
}

/** A feedback token for the completion `result` came from, or for the active span. See {@link Feedback.token}. */
export function feedbackToken(...result: [] | [unknown]): string | undefined {
  return feedback().token(...result);
}

/** Records feedback on the completion a token points at. See {@link Feedback.record}. */
export function recordFeedback(token: string, input: FeedbackInput): FeedbackResult {
  return feedback().record(token, input);
}

/** Thumbs up or down. See {@link Feedback.thumbs}. */
export function thumbs(token: string, up: boolean, extra?: Pick<FeedbackInput, 'comment' | 'id'>): FeedbackResult {
  return feedback().thumbs(token, up, extra);
}

/** An implicit signal, scored by the default mapping. See {@link Feedback.implicit}. */
export function recordImplicit(token: string, signal: ImplicitSignal, detail?: ImplicitDetail): FeedbackResult {
  return feedback().implicit(token, signal, detail);
}

/** Declares an evaluation on the default instance. */
export function defineEvaluation(name: string, spec: EvaluationSpec): Evaluation {
  return feedback().define(name, spec);
}
