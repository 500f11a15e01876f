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
export { backoffMs, callWithFallback, createRoute, FALLBACK_REASON } from './fallback.js';
export type {
  AttemptFailure,
  AttemptInfo,
  AttemptKind,
  FallbackRule,
  RetryOptions,
  Route,
  RouteOptions,
  RouteTarget,
} from './types.js';
