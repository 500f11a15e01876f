/**
 * Observing the promise and stream objects of Stainless-generated SDKs (`openai`, `@anthropic-ai/sdk`)
 * without replacing them, so every method the SDK promises keeps working: `withResponse()`,
 * `asResponse()`, `_thenUnwrap()` (and the `.parse()`/`.stream()` helpers built on it), and on streams
 * `controller`, `tee()` and `toReadableStream()`.
 *
 * The APIPromise parses the body only when someone awaits it. Attaching our own `.then` would parse it
 * eagerly and consume a body the caller may want raw, so instead we wrap, on this one instance, the
 * `parseResponse` function the SDK calls when the caller consumes the result, and we watch the
 * underlying `responsePromise` (headers and transport errors) without consuming anything.
 * A stream is observed by wrapping the instance's `iterator` factory: `Symbol.asyncIterator`, `tee()`
 * and `toReadableStream()` all go through it.
 */
import { rememberCompletion } from './completions.js';
import type { Operation, StreamOutcome } from './recorder.js';

/** What a provider package supplies to turn SDK results into telemetry. */
export interface ResultHandlers<T = unknown, Item = unknown> {
  /** A complete, parsed, non-streamed result. */
  onResult(op: Operation, result: T): void;
  /** Called once per stream, when the stream object is handed to the caller. */
  streamObserver(op: Operation): StreamObserver<Item>;
  /**
   * The caller asked for the raw Response and will read the body itself. Called synchronously from
   * `asResponse()`, which in the usual `create(...).asResponse()` comes before the SDK serializes the
   * request body, so a provider can still take back a parameter it added.
   */
  onRaw?(op: Operation): void;
}

export interface StreamObserver<Item = unknown> {
  /** Sees each item in order. Returning false hides the item from the caller. */
  onItem(item: Item): boolean;
  /** Called once, however the stream ended, before the span ends: report what was accumulated. */
  onEnd(outcome: StreamOutcome): void;
}

interface StainlessPromise {
  responsePromise?: Promise<{ response?: { status?: number } }>;
  parseResponse?: (...args: unknown[]) => unknown;
  _thenUnwrap?: (...args: unknown[]) => unknown;
  parse?: () => unknown;
  asResponse?: () => unknown;
}

interface StainlessStream {
  iterator?: (...args: unknown[]) => AsyncIterator<unknown>;
  controller?: { signal?: { aborted?: boolean } };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Attaches `op` to an SDK call's returned value. Returns nothing: the caller gets the very object the
 * SDK returned.
 */
export function observeResult(value: unknown, op: Operation, handlers: ResultHandlers): void {
  const p = value as StainlessPromise | null;
  if (p === null || typeof p !== 'object' || typeof p.parseResponse !== 'function' || !isThenable(p.responsePromise)) {
    observeUnknown(value, op, handlers);
    return;
  }
  let parseRequested = false;
  let rawRequested = false;
  let settled = false;
  // Runs once, whichever path delivered the parsed result first.
  const settleOnce = (result: unknown): unknown => {
    if (!settled) {
      settled = true;
      settle(result, op, handlers);
    }
    return result;
  };
  const markRequested = () => {
    parseRequested = true;
    op.touch();
  };

  wrapParseResponse(p, op, markRequested, settleOnce);
  wrapThenUnwrap(p, op, markRequested, settleOnce);

  const originalParseMethod = p.parse;
  if (typeof originalParseMethod === 'function') {
    p.parse = function observedParse(this: unknown) {
      markRequested();
      return originalParseMethod.apply(this);
    };
  }
  const originalAsResponse = p.asResponse;
  if (typeof originalAsResponse === 'function') {
    p.asResponse = function observedAsResponse(this: unknown, ...args: unknown[]) {
      if (!rawRequested && !parseRequested) {
        try {
          handlers.onRaw?.(op);
        } catch (err) {
          op.telemetry.internalError('raw', err, op.span);
        }
      }
      rawRequested = true;
      return (originalAsResponse as (...a: unknown[]) => unknown).apply(this, args);
    };
  }

  // A side branch: it handles its own rejection, so it adds no unhandled rejection of its own.
  p.responsePromise.then(
    (props) => {
      op.touch();
      // The caller took the raw Response and will read the body itself: we cannot see usage.
      if (rawRequested && !parseRequested) op.end('raw');
      else if (typeof props?.response?.status === 'number' && !op.isEnded) {
        op.setAttributes({ 'http.response.status_code': props.response.status });
      }
    },
    (err) => op.fail(err),
  );
}

/** The function the SDK calls to parse the body when the caller consumes the promise. */
function wrapParseResponse(
  p: StainlessPromise,
  op: Operation,
  onRequest: () => void,
  onResult: ((result: unknown) => unknown) | undefined,
): void {
  const original = p.parseResponse;
  if (typeof original !== 'function') return;
  p.parseResponse = function observedParseResponse(this: unknown, ...args: unknown[]) {
    onRequest();
    let out: unknown;
    try {
      out = original.apply(this, args);
    } catch (err) {
      op.fail(err);
      throw err;
    }
    if (isThenable(out)) {
      return (out as Promise<unknown>).then(
        (result) => (onResult === undefined ? result : onResult(result)),
        (err) => {
          op.fail(err);
          throw err;
        },
      );
    }
    return onResult === undefined ? out : onResult(out);
  };
}

/**
 * `_thenUnwrap(transform)` derives a new promise, used by `.parse()`, `.stream()` helpers and (in
 * openai 7) by `create` itself. Newer SDKs build the derived parser from a closure rather than from
 * `this.parseResponse`, so we see the untransformed result by wrapping `transform`, and the derived
 * promise's parse failures by wrapping its own `parseResponse`.
 */
function wrapThenUnwrap(
  p: StainlessPromise,
  op: Operation,
  onRequest: () => void,
  onResult: (result: unknown) => unknown,
): void {
  const original = p._thenUnwrap;
  if (typeof original !== 'function') return;
  p._thenUnwrap = function observedThenUnwrap(this: unknown, transform: unknown, ...rest: unknown[]) {
    onRequest();
    const observedTransform =
      typeof transform === 'function'
        ? function (this: unknown, data: unknown, ...more: unknown[]) {
            onResult(data);
            const out = (transform as (...a: unknown[]) => unknown).call(this, data, ...more);
            // What `.parse()` and similar helpers hand the caller is the transformed object.
            if (out !== data) rememberCompletion(out, op);
            return out;
          }
        : transform;
    const derived = original.call(this, observedTransform, ...rest) as StainlessPromise;
    if (derived !== null && typeof derived === 'object') {
      wrapParseResponse(derived, op, onRequest, undefined);
      wrapThenUnwrap(derived, op, onRequest, (r) => r);
    }
    return derived;
  };
}

function settle(result: unknown, op: Operation, handlers: ResultHandlers): unknown {
  rememberCompletion(result, op);
  try {
    const stream = result as StainlessStream | null;
    if (op.request.stream && stream !== null && typeof stream === 'object' && typeof stream.iterator === 'function') {
      observeStream(stream, op, handlers.streamObserver(op));
    } else {
      handlers.onResult(op, result);
      op.end();
    }
  } catch (err) {
    op.telemetry.internalError('result', err, op.span);
    op.end();
  }
  return result;
}

// A future SDK shape we do not know: observe it as a plain thenable. This may parse the body eagerly,
// which only matters to callers that use `asResponse()`; telemetry stays correct.
function observeUnknown(value: unknown, op: Operation, handlers: ResultHandlers): void {
  if (!isThenable(value)) {
    op.telemetry.internalError('unknown-result-shape', new Error('SDK returned a non-promise'), op.span);
    op.end();
    return;
  }
  value.then(
    (result) => settle(result, op, handlers),
    (err) => op.fail(err),
  );
}

function observeStream(stream: StainlessStream, op: Operation, observer: StreamObserver): void {
  const originalIterator = stream.iterator as (...args: unknown[]) => AsyncIterator<unknown>;
  let observed = false;
  stream.iterator = function observedIterator(this: unknown, ...args: unknown[]) {
    const inner = originalIterator.apply(this, args);
    // A second iteration is the SDK's error to raise; only the first one carries the telemetry.
    if (observed) return inner;
    observed = true;
    return new ObservedIterator(inner, op, observer, stream);
  };
}

/**
 * A hand-written iterator rather than an async generator: one `.then` per chunk and no generator
 * machinery, and `return()` reaches us on `break`, so an abandoned loop still ends the span.
 */
class ObservedIterator implements AsyncIterator<unknown>, AsyncIterable<unknown> {
  private finished = false;
  private readonly onNext: (r: IteratorResult<unknown>) => IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
  private readonly onError: (err: unknown) => never;

  constructor(
    private readonly inner: AsyncIterator<unknown>,
    private readonly op: Operation,
    private readonly observer: StreamObserver,
    private readonly stream: StainlessStream,
  ) {
    this.onNext = (r) => {
      if (r.done) {
        this.finish(this.stream.controller?.signal?.aborted ? 'aborted' : 'completed');
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
      this.finish('error', err);
      throw err;
    };
  }

  next(...args: [] | [unknown]): Promise<IteratorResult<unknown>> {
    return this.inner.next(...args).then(this.onNext, this.onError);
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.finish(this.stream.controller?.signal?.aborted ? 'aborted' : 'cancelled');
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
