// `@promptscope/core/provider`: what promptscope's own packages build on (the provider
// instrumentations, register, feedback, prompts, eval, route). Apps import `@promptscope/core`;
// nothing here is a stable app API, which is why it lives behind its own subpath.

export { rememberCompletion } from './completions.js';
export { resolveConfig } from './config.js';
export { type SerializedContent, serializeContent } from './content.js';
export { type AttemptRef, getAttempt, setAttempt } from './context.js';
export { type CostResult, loadPriceOverrides, PriceBook } from './cost.js';
export { errorMessage, errorStatus, errorType, isObject, isRecord } from './errors.js';
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
  FINISH_REASON_UNKNOWN,
  METRIC,
  OPERATION,
  PROVIDER,
  SCOPE_NAME,
  type SemconvMode,
  type SemconvNames,
  semconvNames,
  TOKEN_BUCKETS,
} from './names.js';
export { endOpenOperations } from './open-operations.js';
export {
  Operation,
  type OperationRequest,
  type OperationResponse,
  type Reading,
  type StreamOutcome,
} from './operation.js';
export { isWrapped, unwrapMethod, wrapMethod } from './patch.js';
export { processWide } from './process-wide.js';
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
  getPromptVariables,
  type PromptVariables,
  setPromptVariables,
  setRunAttributes,
} from './run-context.js';
export { type ServerAddress, serverAddress } from './server.js';
export { observeResult, type ResultHandlers, type StreamObserver } from './stainless.js';
export { Telemetry } from './telemetry.js';
export type { Usage } from './usage.js';
