/**
 * Provider fallback: one logical call through an ordered list of targets (say OpenAI, then Anthropic),
 * with retries, backoff, `retry-after`, a per-target circuit breaker, and telemetry that shows every
 * attempt.
 *
 * Set the provider SDKs' own retries off (`new OpenAI({ maxRetries: 0 })`, `new Anthropic({ maxRetries: 0 })`)
 * on the clients the targets use. Then this is the only retry loop: each attempt is one request, one
 * provider span, and one count. With the SDK retrying underneath, its hidden retries would multiply ours
 * and never show.
 */
import { type Context, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR, type AttemptRef, errorMessage, errorType, setAttempt, type Telemetry } from '@promptscope/core/provider';
import { BREAKER_DEFAULTS, type Breaker, breakerFor, breakerState, type ResolvedBreakerOptions } from './breaker.js';
import { classifyError, failureClasses } from './classify.js';
import { Recorder, type RouteInstruments, routeInstruments, sharedTelemetry } from './record.js';
import type {
  AttemptFailure,
  AttemptInfo,
  AttemptKind,
  FallbackRule,
  Route,
  RouteOptions,
  RouteTarget,
} from './types.js';

/** Why a routed call left a target, on `promptscope.route.fallbacks`: an `error.type`, or one of these. */
export const FALLBACK_REASON = {
  RETRIES_EXHAUSTED: 'retries_exhausted',
  RETRY_BUDGET_EXHAUSTED: 'retry_budget_exhausted',
  BREAKER_OPEN: 'breaker_open',
} as const;

interface Resolved<T, I> {
  name: string;
  targets: readonly RouteTarget<T, I>[];
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  jitter: number;
  respectRetryAfter: boolean;
  maxTotalWaitMs: number;
  fallbackOn: FallbackRule;
  breaker: ResolvedBreakerOptions | undefined;
  telemetry: Telemetry | undefined;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => number;
}

/**
 * A reusable route: `route.call(input)` runs one logical call. Breaker state is per process and keyed by
 * route name and target name, so two routes with the same name share it.
 */
export function createRoute<T, I = void>(options: RouteOptions<T, I>): Route<T, I> {
  const cfg = resolve(options);
  return {
    name: cfg.name,
    call: (input, callOptions) => run(cfg, input, callOptions?.signal),
    breakerState: (target) => breakerState(cfg.name, target, cfg.now()),
  };
}

/** One logical call through `options.targets`; see {@link createRoute}. */
export function callWithFallback<T>(options: RouteOptions<T> & { signal?: AbortSignal }): Promise<T> {
  let cfg: Resolved<T, void>;
  try {
    cfg = resolve(options);
  } catch (err) {
    return Promise.reject(err);
  }
  return run(cfg, undefined, options.signal);
}

function resolve<T, I>(o: RouteOptions<T, I>): Resolved<T, I> {
  if (o === null || typeof o !== 'object') throw new TypeError('route options must be an object');
  if (typeof o.name !== 'string' || o.name === '') throw new TypeError('route `name` must be a non-empty string');
  if (!Array.isArray(o.targets) || o.targets.length === 0) {
    throw new TypeError(`route ${o.name}: \`targets\` must be a non-empty array`);
  }
  const seen = new Set<string>();
  for (const t of o.targets) {
    if (t === null || typeof t !== 'object' || typeof t.name !== 'string' || t.name === '') {
      throw new TypeError(`route ${o.name}: every target needs a non-empty \`name\``);
    }
    if (typeof t.call !== 'function')
      throw new TypeError(`route ${o.name}: target ${t.name} needs a \`call\` function`);
    if (seen.has(t.name)) throw new TypeError(`route ${o.name}: target names must be unique (${t.name} repeats)`);
    seen.add(t.name);
  }
  const r = o.retry ?? {};
  const count = (v: number | undefined, d: number, what: string): number => {
    if (v === undefined) return d;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new TypeError(`route ${o.name}: \`${what}\` must be a non-negative number, got ${String(v)}`);
    }
    return v;
  };
  const jitter = count(r.jitter, 0.25, 'retry.jitter');
  if (jitter > 1) throw new TypeError(`route ${o.name}: \`retry.jitter\` must be between 0 and 1`);
  let breaker: ResolvedBreakerOptions | undefined;
  if (o.breaker !== false) {
    const b = o.breaker ?? {};
    breaker = {
      windowMs: count(b.windowMs, BREAKER_DEFAULTS.windowMs, 'breaker.windowMs'),
      minRequests: count(b.minRequests, BREAKER_DEFAULTS.minRequests, 'breaker.minRequests'),
      failureRatio: count(b.failureRatio, BREAKER_DEFAULTS.failureRatio, 'breaker.failureRatio'),
      cooldownMs: count(b.cooldownMs, BREAKER_DEFAULTS.cooldownMs, 'breaker.cooldownMs'),
    };
    if (breaker.windowMs <= 0) throw new TypeError(`route ${o.name}: \`breaker.windowMs\` must be positive`);
  }
  return {
    name: o.name,
    targets: [...o.targets],
    attempts: Math.floor(count(r.attempts, 2, 'retry.attempts')),
    initialDelayMs: count(r.initialDelayMs, 500, 'retry.initialDelayMs'),
    maxDelayMs: count(r.maxDelayMs, 8000, 'retry.maxDelayMs'),
    jitter,
    respectRetryAfter: r.respectRetryAfter ?? true,
    maxTotalWaitMs: count(r.maxTotalWaitMs, 60_000, 'retry.maxTotalWaitMs'),
    fallbackOn: o.fallbackOn ?? [FALLBACK_REASON.RETRIES_EXHAUSTED],
    breaker,
    telemetry: o.telemetry,
    random: o.random ?? Math.random,
    sleep: o.sleep ?? sleep,
    now: o.now ?? Date.now,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The backoff before retry `n` (0-based) on one target, before `retry-after` and the budget. */
export function backoffMs(
  n: number,
  o: { initialDelayMs: number; maxDelayMs: number; jitter: number },
  random: number,
) {
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** n);
  return Math.round(base * (1 - o.jitter * random));
}

/** Whether to leave the target now (true) and whether that is allowed at all when it is exhausted. */
function fallsBack(rule: FallbackRule, failure: AttemptFailure): boolean {
  if (typeof rule === 'function') return rule(failure);
  if (failure.exhausted && rule.includes(FALLBACK_REASON.RETRIES_EXHAUSTED)) return true;
  for (const name of failureClasses(failure.classified)) if (rule.includes(name)) return true;
  return false;
}

interface CallState {
  attempts: number;
  waitedMs: number;
  skipped: string[];
  fallback: boolean;
  bypass: boolean;
  target: string | undefined;
  /** Targets left (failed or skipped) whose fallback is counted once the next target is attempted. */
  pending: { from: string; reason: string }[];
}

async function run<T, I>(cfg: Resolved<T, I>, input: I, signal: AbortSignal | undefined): Promise<T> {
  const telemetry = cfg.telemetry ?? sharedTelemetry();
  const parent = context.active();
  let span: Span | undefined;
  let spanContext: Context = parent;
  let instruments: RouteInstruments | undefined;
  try {
    instruments = routeInstruments(telemetry);
    span = telemetry.tracer.startSpan(
      `route ${cfg.name}`,
      { kind: SpanKind.INTERNAL, attributes: { [ATTR.ROUTE_NAME]: cfg.name } },
      parent,
    );
    spanContext = trace.setSpan(parent, span);
  } catch (err) {
    telemetry.internalError('route.start', err);
  }
  const state: CallState = {
    attempts: 0,
    waitedMs: 0,
    skipped: [],
    fallback: false,
    bypass: false,
    target: undefined,
    pending: [],
  };
  const rec = new Recorder(cfg.name, telemetry, instruments);
  try {
    // A signal of our own per call when the caller gave none: one shared, never-aborted signal would
    // collect an abort listener from the SDK on every request for the life of the process.
    const result = await runTargets(cfg, input, signal ?? new AbortController().signal, state, spanContext, rec);
    if (span !== undefined) endSpan(telemetry, span, state, undefined, false);
    return result;
  } catch (err) {
    if (span !== undefined) endSpan(telemetry, span, state, err, true);
    throw err;
  }
}

function endSpan(telemetry: Telemetry, span: Span, state: CallState, err: unknown, failed: boolean): void {
  try {
    span.setAttribute(ATTR.ROUTE_ATTEMPTS, state.attempts);
    span.setAttribute(ATTR.ROUTE_FALLBACK, state.fallback);
    if (state.target !== undefined) span.setAttribute(ATTR.ROUTE_TARGET, state.target);
    if (state.skipped.length > 0) span.setAttribute(ATTR.ROUTE_SKIPPED, state.skipped);
    if (state.bypass) span.setAttribute(ATTR.ROUTE_BREAKER_BYPASS, true);
    if (failed) {
      span.setAttribute(ATTR.ERROR_TYPE, errorType(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
    }
    span.end();
  } catch (e) {
    telemetry.internalError('route.end', e, span);
  }
}

async function runTargets<T, I>(
  cfg: Resolved<T, I>,
  input: I,
  signal: AbortSignal,
  state: CallState,
  spanContext: Context,
  rec: Recorder,
): Promise<T> {
  const options = cfg.breaker;
  const breakers = options === undefined ? undefined : cfg.targets.map((t) => breakerFor(cfg.name, t.name, options));
  // A breaker must not turn into a total outage: when every target is open, try them all anyway.
  state.bypass = breakers?.every((b) => b.stateAt(cfg.now()) === 'open') ?? false;
  let lastError: unknown;
  let failedOnce = false;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < cfg.targets.length; i++) {
      const target = cfg.targets[i];
      const breaker = breakers?.[i];
      if (breaker !== undefined) {
        if (state.bypass) breaker.force();
        else if (!breaker.acquire(cfg.now())) {
          state.skipped.push(target.name);
          state.pending.push({ from: target.name, reason: FALLBACK_REASON.BREAKER_OPEN });
          continue;
        }
      }
      const outcome = await runTarget(cfg, target, breaker, input, signal, state, spanContext, rec);
      if (outcome.ok) return outcome.value;
      failedOnce = true;
      lastError = outcome.error;
      state.pending.push({ from: target.name, reason: outcome.reason });
    }
    // Every target was skipped (half-open trials taken by concurrent calls): go through them all anyway.
    if (failedOnce || state.bypass) break;
    state.bypass = true;
    state.pending.length = 0;
    state.skipped.length = 0;
  }
  throw lastError;
}

type TargetOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown; reason: string };

async function runTarget<T, I>(
  cfg: Resolved<T, I>,
  target: RouteTarget<T, I>,
  breaker: Breaker | undefined,
  input: I,
  signal: AbortSignal,
  state: CallState,
  spanContext: Context,
  rec: Recorder,
): Promise<TargetOutcome<T>> {
  let retry = 0;
  let delayMs = 0;
  for (;;) {
    if (signal.aborted) {
      breaker?.release();
      throw signal.reason;
    }
    const number = ++state.attempts;
    const kind: AttemptKind = number === 1 ? 'initial' : retry > 0 ? 'retry' : 'fallback';
    if (retry === 0 && state.pending.length > 0) {
      state.fallback = true;
      for (const p of state.pending) rec.fallback(p.from, target.name, p.reason);
      state.pending.length = 0;
    }
    state.target = target.name;
    const info: AttemptInfo = { number, kind, route: cfg.name, target: target.name, signal, delayMs };
    const ref: AttemptRef = { route: cfg.name, target: target.name, number, kind };
    if (retry > 0) ref.delayMs = delayMs;
    let value: T;
    try {
      value = await context.with(setAttempt(spanContext, ref), () => target.call(info, input));
    } catch (err) {
      rec.attempt(target.name, kind, 'error');
      if (signal.aborted) {
        breaker?.release();
        throw err;
      }
      const c = classifyError(err);
      if (c.kind === 'aborted' || c.kind === 'unknown') {
        breaker?.release();
        throw err;
      }
      rec.providerError(target.name, target.provider, c.errorType);
      if (c.kind === 'caller') {
        breaker?.release();
        throw err;
      }
      const opened = breaker?.failure(cfg.now()) ?? false;
      let reason: string | undefined;
      let wait = 0;
      if (opened) reason = FALLBACK_REASON.BREAKER_OPEN;
      else if (retry >= cfg.attempts || c.noRetry) reason = FALLBACK_REASON.RETRIES_EXHAUSTED;
      else {
        wait =
          cfg.respectRetryAfter && c.retryAfterMs !== undefined
            ? Math.ceil(c.retryAfterMs)
            : backoffMs(retry, cfg, cfg.random());
        if (wait > cfg.maxTotalWaitMs - state.waitedMs) reason = FALLBACK_REASON.RETRY_BUDGET_EXHAUSTED;
      }
      const exhausted = reason !== undefined;
      if (fallsBack(cfg.fallbackOn, { error: err, classified: c, target: target.name, exhausted })) {
        // Left at once on a listed error class: the reason is the error's own type.
        return { ok: false, error: err, reason: reason ?? c.errorType };
      }
      if (exhausted) throw err;
      state.waitedMs += wait;
      delayMs = wait;
      retry++;
      await cfg.sleep(wait, signal);
      continue;
    }
    breaker?.success(cfg.now());
    rec.attempt(target.name, kind, 'success');
    return { ok: true, value };
  }
}
