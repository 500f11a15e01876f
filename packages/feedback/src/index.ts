export {
  defineEvaluation,
  feedback,
  feedbackToken,
  recordFeedback,
  recordImplicit,
  thumbs,
} from './default-instance.js';
export { FeedbackError, type FeedbackErrorCode } from './errors.js';
export type {
  BooleanEvaluation,
  CategoricalEvaluation,
  Evaluation,
  EvaluationSpec,
  FeedbackValue,
  NumericEvaluation,
} from './evaluations.js';
export { createFeedback } from './feedback.js';
export {
  DEFAULT_IMPLICIT_SCORES,
  EDIT_RATIO_BUDGET,
  editRatio,
  IMPLICIT_SIGNALS,
  type ImplicitContext,
  type ImplicitScore,
  type ImplicitSignal,
} from './implicit.js';
export { type FeedbackRecordKey, latestFeedback } from './last-wins.js';
export {
  encodeFeedbackToken,
  type FeedbackSecret,
  type FeedbackTokenFields,
  MAX_TOKEN_LENGTH,
  type ParsedFeedbackToken,
  parseFeedbackToken,
  TOKEN_PREFIX,
} from './token.js';
export {
  EVALUATION_EVENT,
  FEEDBACK_SCOPE,
  FEEDBACK_SCORE_BUCKETS,
  type Feedback,
  type FeedbackInput,
  type FeedbackKind,
  type FeedbackOptions,
  type FeedbackResult,
  type FeedbackSource,
  type ImplicitDetail,
  SECRET_ENV,
} from './types.js';
