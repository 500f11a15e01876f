// `@promptscope/route`: retries, fallback between providers and a circuit breaker around LLM
// calls, each attempt a span under one route span.

export {
  type BreakerOptions,
  type BreakerState,
  breakerState,
  resetBreakers,
} from './breaker.js';
export {
  type ClassifiedError,
  classifyError,
  type FailureCategory,
  type FailureKind,
  failureClasses,
  retryAfter,
} from './classify.js';
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
