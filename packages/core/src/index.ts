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
  resolveConfig,
} from './config.js';
export { type SerializedContent, serializeContent } from './content.js';
export {
  type AttemptRef,
  getAttempt,
  getPrompt,
  getSegment,
  getUser,
  hashUserId,
  type PromptRef,
  SEGMENT_MAX_LENGTH,
  setAttempt,
  setPrompt,
  setSegment,
  setUser,
  withPrompt,
  withSegment,
  withUser,
} from './context.js';
export { type CostResult, loadPriceOverrides, PriceBook } from './cost.js';
export { errorMessage, errorStatus, errorType } from './errors.js';
export {
  type AttemptFailure,
  type AttemptInfo,
  type AttemptKind,
  backoffMs,
  callWithFallback,
  createRoute,
  FALLBACK_REASON,
  type FallbackRule,
  type RetryOptions,
  type Route,
  type RouteOptions,
  type RouteTarget,
} from './fallback.js';
export {
  type BreakerOptions,
  type BreakerState,
  breakerState,
  resetBreakers,
} from './fallback-breaker.js';
export {
  type ClassifiedError,
  classifyError,
  type FailureCategory,
  type FailureKind,
  failureClasses,
  retryAfter,
} from './fallback-classify.js';
export {
  type ApiMapping,
  PASS_THROUGH,
  type Prepared,
  patchTargets,
  type Target,
  unpatchTargets,
} from './instrument.js';
export { BoundedCache, perMeterProvider } from './metric-cache.js';
export {
  ATTR,
  DURATION_BUCKETS,
  METRIC,
  OPERATION,
  PROVIDER,
  SCOPE_NAME,
  SEGMENT_BAGGAGE_KEY,
  SEGMENT_OTHER,
  type SemconvMode,
  type SemconvNames,
  semconvNames,
  TOKEN_BUCKETS,
} from './names.js';
export { isWrapped, unwrapMethod, wrapMethod } from './patch.js';
export {
  findClientClass,
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
  type ProviderSpec,
  patchModule,
  unpatchModule,
} from './provider.js';
export { type NamedServer, parseProviderURLs, providerOfBaseURL } from './provider-url.js';
export {
  endOpenOperations,
  Operation,
  type OperationRequest,
  type OperationResponse,
  type StreamOutcome,
  Telemetry,
} from './recorder.js';
export {
  getPromptVariables,
  type PromptVariables,
  setPromptVariables,
  setRunAttributes,
} from './run-context.js';
export { type ServerAddress, serverAddress } from './server.js';
export { observeResult, type ResultHandlers, type StreamObserver } from './stainless.js';
export type { Usage } from './usage.js';
