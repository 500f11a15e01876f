export { FeedbackError, type FeedbackErrorCode } from './errors.js';
export type {
  BooleanEvaluation,
  CategoricalEvaluation,
  Evaluation,
  EvaluationSpec,
  FeedbackValue,
  NumericEvaluation,
} from './evaluations.js';
export {
  createFeedback,
  defineEvaluation,
  EVALUATION_EVENT,
  FEEDBACK_SCOPE,
  FEEDBACK_SCORE_BUCKETS,
  type Feedback,
  type FeedbackInput,
  type FeedbackKind,
  type FeedbackOptions,
  type FeedbackResult,
  type FeedbackSource,
  feedback,
  feedbackToken,
  type ImplicitDetail,
  recordFeedback,
  recordImplicit,
  SECRET_ENV,
  thumbs,
} from './feedback.js';
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
