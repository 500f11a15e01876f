// The shapes a route is configured with and reports through, apart from the loop in fallback.ts.
import type { AttemptRef, Telemetry } from '@promptscope/core/provider';
import type { BreakerOptions, BreakerState } from './breaker.js';
import type { ClassifiedError } from './classify.js';

export type AttemptKind = AttemptRef['kind'];

/** What a target's call is told about the attempt it is making. */
export interface AttemptInfo {
  /** 1-based, across every target of the logical call. */
  number: number;
  /**
   * `initial` for the call's first attempt (on whichever target: a primary skipped by its open breaker
   * shows as a `breaker_open` fallback), `retry` for another on the same target, `fallback` for the
   * first attempt on each later target.
   */
  kind: AttemptKind;
  route: string;
  target: string;
  /** The caller's signal (a fresh, never-aborted one per call when the caller gave none): pass it to the SDK call. */
  signal: AbortSignal;
  /** The backoff waited before this attempt (0 unless it is a retry). */
  delayMs: number;
}

export interface RouteTarget<T, I = void> {
  /** Unique within the route: names the target in spans, metrics and the breaker. */
  name: string;
  /** `gen_ai.provider.name` of the target, for the provider error counter (e.g. `openai`). */
  provider?: string;
  model?: string;
  /** Makes one SDK call. Pass `attempt.signal` on; create the client with `maxRetries: 0`. */
  call: (attempt: AttemptInfo, input: I) => Promise<T>;
}

export interface RetryOptions {
  /** Retries per target after the first attempt (default 2, like the SDKs). */
  attempts?: number;
  /** Backoff before retry n (0-based) is `min(maxDelayMs, initialDelayMs × 2ⁿ)` minus up to `jitter` of it. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Fraction of the backoff taken off at random, 0..1 (default 0.25). */
  jitter?: number;
  /** Wait what `retry-after-ms` / `retry-after` asks instead of the backoff (default true). */
  respectRetryAfter?: boolean;
  /**
   * Total time the whole logical call may spend waiting between attempts (default 60 000 ms). A wait that
   * would exceed what is left is not made: the call falls back to the next target instead.
   */
  maxTotalWaitMs?: number;
}

/** A provider failure that ended (or may end) the attempts on a target, for a `fallbackOn` function. */
export interface AttemptFailure {
  error: unknown;
  classified: ClassifiedError;
  target: string;
  /** True when this target cannot be tried again: retries used up, the wait budget spent, or its breaker opened. */
  exhausted: boolean;
}

/**
 * When to move on to the next target after a provider failure (caller errors such as 400 never do).
 * A list falls back at once on any error that answers to one of its names (`'429'`, `'5xx'`,
 * `'rate_limit'`, `'timeout'`, `'connection'`, an `error.type`), and after a target is exhausted when
 * it holds `'retries_exhausted'`. A function returning true falls back at once; returning false retries
 * while the target can be retried, and throws to the caller once it cannot.
 * Default `['retries_exhausted']`: retry each target, then fall back.
 */
export type FallbackRule = readonly string[] | ((failure: AttemptFailure) => boolean);

export interface RouteOptions<T, I = void> {
  /** Low-cardinality: it is a span and metric attribute, and keys the breakers. */
  name: string;
  /** Tried in order. */
  targets: readonly RouteTarget<T, I>[];
  retry?: RetryOptions;
  fallbackOn?: FallbackRule;
  /** Per-target circuit breaker, in this process (default on); `false` turns it off. */
  breaker?: BreakerOptions | false;
  /** Where spans and metrics go (default: a shared instance on the global OTel providers). */
  telemetry?: Telemetry;
  /** For tests: a source of randomness in [0, 1) for the jitter, a sleep, and a clock for the breaker. */
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface Route<T, I = void> {
  readonly name: string;
  call(input: I, options?: { signal?: AbortSignal }): Promise<T>;
  /** The breaker state of a target in this process. */
  breakerState(target: string): BreakerState;
}
