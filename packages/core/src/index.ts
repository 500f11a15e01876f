// `@promptscope/core`: the app API (prompt, segment and user context, completion refs, config
// types, the name table). What provider packages build on is at `@promptscope/core/provider`.
export { type CompletionRef, completionOf } from './completions.js';
export {
  ConfigError,
  type ContentKind,
  DEFAULTS,
  ENV,
  type PriceOverride,
  type PromptscopeConfig,
  type RedactHook,
  type ResolvedConfig,
} from './config.js';
export {
  getPrompt,
  getSegment,
  getUser,
  hashUserId,
  type PromptRef,
  SEGMENT_MAX_LENGTH,
  setPrompt,
  setSegment,
  setUser,
  withPrompt,
  withSegment,
  withUser,
} from './context.js';
export {
  type PromptscopeMetricProducer,
  type PromptscopeMetricProducerOptions,
  promptscopeMetricProducer,
  type Temporality,
} from './metric-producer.js';
export {
  ATTR,
  METRIC,
  OPERATION,
  PROVIDER,
  SCOPE_NAME,
  SEGMENT_BAGGAGE_KEY,
  SEGMENT_OTHER,
  type SemconvMode,
} from './names.js';
