/**
 * A per-target circuit breaker, held in this process only: each process (each replica, each worker)
 * has its own, and they learn independently. There is no shared store; put a gateway in front if the
 * whole fleet must agree.
 */
import { processWide } from '@promptscope/core/provider';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** The sliding window over which failures are counted (default 60 000 ms). */
  windowMs?: number;
  /** Fewer requests than this in the window never open the breaker (default 10). */
  minRequests?: number;
  /** Opens when failures ÷ requests in the window reach this ratio (default 0.5). */
  failureRatio?: number;
  /** How long an open breaker skips its target before one trial call is let through (default 30 000 ms). */
  cooldownMs?: number;
}

export type ResolvedBreakerOptions = Required<BreakerOptions>;

export const BREAKER_DEFAULTS: ResolvedBreakerOptions = {
  windowMs: 60_000,
  minRequests: 10,
  failureRatio: 0.5,
  cooldownMs: 30_000,
};

const BUCKETS = 10;

interface Bucket {
  start: number;
  ok: number;
  failed: number;
}

/**
 * Counts successes and provider failures in {@link BUCKETS} time buckets spanning the window, so memory
 * stays constant whatever the traffic. Open: skipped until the cooldown has passed; then half-open: one
 * trial call at a time; its success closes the breaker, its failure opens it again for another cooldown.
 */
export class Breaker {
  private buckets: Bucket[] = [];
  private openedAt = 0;
  private state: 'closed' | 'open' = 'closed';
  private trialInFlight = false;

  constructor(readonly options: ResolvedBreakerOptions) {}

  /** The state at `now`, without reserving anything. */
  stateAt(now: number): BreakerState {
    if (this.state === 'closed') return 'closed';
    return now - this.openedAt >= this.options.cooldownMs ? 'half_open' : 'open';
  }

  /**
   * Whether a call may go to the target now. In half-open state the first caller gets the trial and
   * the others are refused until it settles ({@link success}, {@link failure} or {@link release}).
   */
  acquire(now: number): boolean {
    const state = this.stateAt(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Lets a call through whatever the state (every target was open), as a trial. */
  force(): void {
    if (this.state === 'open') this.trialInFlight = true;
  }

  /** A call that reached the target ended without telling anything about its health (4xx, abort, a bug). */
  release(): void {
    this.trialInFlight = false;
  }

  success(now: number): void {
    if (this.state === 'open') {
      // Only the trial decides; a call that started before the breaker opened tells nothing new.
      if (!this.trialInFlight) return;
      // The trial succeeded: close, and start counting afresh.
      this.state = 'closed';
      this.buckets = [];
      this.trialInFlight = false;
    }
    this.bucket(now).ok++;
  }

  /** Records a provider failure; returns true when the breaker is (now) open. */
  failure(now: number): boolean {
    if (this.state === 'open') {
      // A failed trial (or a forced call): open for another cooldown.
      if (this.trialInFlight) this.openedAt = now;
      this.trialInFlight = false;
      return true;
    }
    this.bucket(now).failed++;
    let ok = 0;
    let failed = 0;
    const from = now - this.options.windowMs;
    const size = this.bucketMs();
    for (const b of this.buckets) {
      if (b.start + size > from) {
        ok += b.ok;
        failed += b.failed;
      }
    }
    const total = ok + failed;
    if (total >= this.options.minRequests && failed / total >= this.options.failureRatio) {
      this.state = 'open';
      this.openedAt = now;
      this.buckets = [];
      return true;
    }
    return false;
  }

  private bucketMs(): number {
    return Math.max(1, this.options.windowMs / BUCKETS);
  }

  private bucket(now: number): Bucket {
    const size = this.bucketMs();
    const start = Math.floor(now / size) * size;
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && last.start === start) return last;
    // Drop buckets that left the window.
    const from = now - this.options.windowMs - size;
    this.buckets = this.buckets.filter((b) => b.start > from);
    const b = { start, ok: 0, failed: 0 };
    this.buckets.push(b);
    return b;
  }
}

// One registry per process, so the ESM and CommonJS builds of route (both can be loaded in one process)
// see the same breakers.
const breakers = processWide('breakers', () => new Map<string, Breaker>());

function key(route: string, target: string): string {
  return `${route}\u0000${target}`;
}

/** The breaker of one target of one route, created on first use with `options`. */
export function breakerFor(route: string, target: string, options: ResolvedBreakerOptions): Breaker {
  const k = key(route, target);
  let b = breakers.get(k);
  if (b === undefined || !sameOptions(b.options, options)) {
    b = new Breaker(options);
    breakers.set(k, b);
  }
  return b;
}

function sameOptions(a: ResolvedBreakerOptions, b: ResolvedBreakerOptions): boolean {
  return (
    a.windowMs === b.windowMs &&
    a.minRequests === b.minRequests &&
    a.failureRatio === b.failureRatio &&
    a.cooldownMs === b.cooldownMs
  );
}

/** The state of a target's breaker in this process (`closed` when it has none yet). */
export function breakerState(route: string, target: string, now: number = Date.now()): BreakerState {
  return breakers.get(key(route, target))?.stateAt(now) ?? 'closed';
}

/** Forgets breaker state: of one route, or of every route when none is given. */
export function resetBreakers(route?: string): void {
  if (route === undefined) {
    breakers.clear();
    return;
  }
  const prefix = `${route}\u0000`;
  for (const k of [...breakers.keys()]) if (k.startsWith(prefix)) breakers.delete(k);
}
