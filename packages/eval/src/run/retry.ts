/**
 * The run's one retry loop, and its concurrency. A 429 pauses every worker until the provider's
 * `retry-after` has passed (rate limits are per account, not per request); 5xx, 529, timeouts and
 * connection errors are retried with backoff; anything else (a 400, a bad key) fails at once.
 */
import { backoffMs, classifyError } from '@promptscope/route';
import { describeError, InfraError } from '../errors.js';

export interface RetryOptions {
  /** Attempts per call, the first included. Default 5. */
  attempts?: number;
  /** Longest wait before one retry. Default 60 s (a longer retry-after is an error: the run would stall). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Shared by every call of a run: nobody sends before `notBefore`. */
export class RateGate {
  notBefore = 0;
  /** How many 429s were waited out, for the report. */
  rateLimited = 0;

  async wait(sleep: (ms: number) => Promise<void>): Promise<void> {
    for (let d = this.notBefore - Date.now(); d > 0; d = this.notBefore - Date.now()) await sleep(d);
  }

  pause(ms: number): void {
    this.rateLimited++;
    this.notBefore = Math.max(this.notBefore, Date.now() + ms);
  }
}

/** Runs `call` until it succeeds, a non-retryable error, or the attempts run out (then an {@link InfraError}). */
export async function withRetries<T>(call: () => Promise<T>, gate: RateGate, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const maxWaitMs = opts.maxWaitMs ?? 60_000;
  const sleep = opts.sleep ?? sleepReal;
  for (let attempt = 1; ; attempt++) {
    await gate.wait(sleep);
    try {
      return await call();
    } catch (err) {
      const c = classifyError(err);
      if (c.kind !== 'provider') throw err;
      if (attempt >= attempts) {
        throw new InfraError(`the provider failed ${attempts} times (last: ${c.errorType}: ${describeError(err)})`, {
          cause: err,
        });
      }
      const wait =
        c.retryAfterMs ??
        backoffMs(attempt - 1, { initialDelayMs: 500, maxDelayMs: 8000, jitter: 0.25 }, Math.random());
      if (wait > maxWaitMs) {
        throw new InfraError(
          `the provider asked to wait ${Math.round(wait / 1000)} s (retry-after), more than ${maxWaitMs / 1000} s`,
          { cause: err },
        );
      }
      if (c.category === 'rate_limit') gate.pause(wait);
      else await sleep(wait);
    }
  }
}

/** `fn` over `items`, at most `concurrency` at once, results in input order. */
export async function mapPool<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}
