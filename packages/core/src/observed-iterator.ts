/**
 * Observing a stream's items as the caller pulls them, for every SDK shape: the Stainless `Stream`
 * (through its `iterator` factory, see stainless.ts), an async generator (`@google/genai`), and an async
 * iterable that makes a new iterator per loop (Mistral's `EventStream`, the AWS SDK's event streams).
 * The caller keeps the SDK's own object: a generator gets its own `next`/`return`/`throw` on the instance,
 * an iterable its own `[Symbol.asyncIterator]`, so `instanceof`, `constructor` and every other method stay.
 */
import type { Operation, StreamOutcome } from './operation.js';
import type { StreamObserver } from './stainless.js';

/**
 * A hand-written iterator rather than an async generator: one `.then` per chunk and no generator
 * machinery, and `return()` reaches us on `break`, so an abandoned loop still ends the span.
 * `aborted` tells a caller's abort apart from a failure: the stream then ends as `aborted`, not as an error.
 */
export class ObservedIterator implements AsyncIterator<unknown>, AsyncIterable<unknown> {
  private finished = false;
  private readonly onNext: (r: IteratorResult<unknown>) => IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
  private readonly onError: (err: unknown) => never;

  constructor(
    private readonly inner: AsyncIterator<unknown>,
    private readonly op: Operation,
    private readonly observer: StreamObserver,
    private readonly aborted: (err?: unknown) => boolean,
  ) {
    this.onNext = (r) => {
      if (r.done) {
        this.finish(this.aborted() ? 'aborted' : 'completed');
        return r;
      }
      let visible = true;
      if (!this.finished) {
        try {
          visible = this.observer.onItem(r.value);
        } catch (err) {
          this.op.telemetry.internalError('stream-item', err, this.op.span);
        }
      }
      return visible ? r : this.next();
    };
    this.onError = (err) => {
      if (this.aborted(err)) this.finish('aborted');
      else this.finish('error', err);
      throw err;
    };
  }

  next(value?: unknown): Promise<IteratorResult<unknown>> {
    return this.inner.next(value).then(this.onNext, this.onError);
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.finish(this.aborted() ? 'aborted' : 'cancelled');
    if (typeof this.inner.return === 'function') return this.inner.return(value);
    return Promise.resolve({ done: true, value });
  }

  throw(err?: unknown): Promise<IteratorResult<unknown>> {
    this.finish('error', err);
    if (typeof this.inner.throw === 'function') return this.inner.throw(err);
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(outcome: StreamOutcome, err?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.observer.onEnd(outcome);
    } catch (e) {
      this.op.telemetry.internalError('stream-end', e, this.op.span);
    }
    if (outcome === 'error') this.op.fail(err, 'error');
    else this.op.end(outcome);
  }
}

/** An `AbortError` (DOM and Node) or the AWS SDK's abort: the caller stopped the request on purpose. */
export function isAbortError(err: unknown): boolean {
  const name = err !== null && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
  return name === 'AbortError';
}

type Iterable = Record<PropertyKey, unknown>;

function hide(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * Observes a stream that is not a Stainless `Stream`. Returns false when `stream` is neither an async
 * generator nor an async iterable, so the caller can end the operation instead.
 */
export function observeIterable(
  stream: unknown,
  op: Operation,
  observer: StreamObserver,
  aborted: (err?: unknown) => boolean = isAbortError,
): boolean {
  if (stream === null || typeof stream !== 'object') return false;
  const s = stream as Iterable;
  if (Object.prototype.toString.call(s) === '[object AsyncGenerator]' && typeof s.next === 'function') {
    // A generator is its own iterator: for-await and a hand-written loop both call these on the instance.
    const gen = s as unknown as AsyncGenerator<unknown>;
    const { next, return: ret, throw: thr } = gen;
    const inner: AsyncIterator<unknown> = {
      next: (v?: unknown) => next.call(gen, v),
      return: (v?: unknown) => ret.call(gen, v),
      throw: (e?: unknown) => thr.call(gen, e),
    };
    const observed = new ObservedIterator(inner, op, observer, aborted);
    hide(gen, 'next', (v?: unknown) => observed.next(v));
    hide(gen, 'return', (v?: unknown) => observed.return(v));
    hide(gen, 'throw', (e?: unknown) => observed.throw(e));
    return true;
  }
  const factory = s[Symbol.asyncIterator];
  if (typeof factory !== 'function') return false;
  let used = false;
  hide(s, Symbol.asyncIterator, function observedAsyncIterator(this: unknown, ...args: unknown[]) {
    const inner = (factory as (...a: unknown[]) => AsyncIterator<unknown>).apply(this, args);
    // A second loop gets the SDK's own behaviour (an error, or nothing); the telemetry is the first loop's.
    if (used) return inner;
    used = true;
    return new ObservedIterator(inner, op, observer, aborted);
  });
  return true;
}
