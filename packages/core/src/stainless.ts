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
import { ATTR } from './names.js';
import { isAbortError, ObservedIterator, observeIterable } from './observed-iterator.js';
import type { Operation, StreamOutcome } from './operation.js';

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
  /**
   * SDKs that are not Stainless-generated: where a streamed call's result keeps its stream (the AWS SDK's
   * `output.stream`); default the result itself (an async generator or iterable).
   */
  streamOf?(result: T): unknown;
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
export function observeResult(value: unknown, op: Operation, handlers: ResultHandlers, signal?: AbortSignal): void {
  const p = value as StainlessPromise | null;
  if (p === null || typeof p !== 'object' || typeof p.parseResponse !== 'function' || !isThenable(p.responsePromise)) {
    observePlain(value, op, handlers, signal);
    return;
  }
  const obs = new Observation(op, handlers);
  p.parseResponse = obs.parseResponseHook(p.parseResponse);
  attach(p, obs);
  // A side branch for transport and HTTP errors: it handles its own rejection, so it adds no unhandled
  // rejection of its own, and it consumes nothing.
  p.responsePromise.then(undefined, obs.onError);
}

const OBSERVATION = Symbol('promptscope.observation');
// Each promise's own originals: in openai 7 `_thenUnwrap` is an own closure of each promise, not a
// prototype method, so a derived promise's methods are its own and are kept per promise.
const THEN_UNWRAP = Symbol('promptscope.thenUnwrap');
const PARSE = Symbol('promptscope.parse');
const AS_RESPONSE = Symbol('promptscope.asResponse');

type Slots = Record<symbol, unknown>;

/**
 * Observes the methods a caller can call on `promise` (the one the SDK returned, or one derived from it
 * by `_thenUnwrap`), keeping that promise's own originals.
 */
function attach(promise: StainlessPromise, obs: Observation): void {
  const slots = promise as Slots;
  slots[OBSERVATION] = obs;
  if (typeof promise._thenUnwrap === 'function') {
    slots[THEN_UNWRAP] = promise._thenUnwrap;
    promise._thenUnwrap = observedThenUnwrap;
  }
  if (typeof promise.parse === 'function') {
    slots[PARSE] = promise.parse;
    promise.parse = observedParse;
  }
  if (typeof promise.asResponse === 'function') {
    slots[AS_RESPONSE] = promise.asResponse;
    promise.asResponse = observedAsResponse;
  }
}

/**
 * The state of one observed call. Hot path: the wrappers for the methods the caller calls on the
 * promise (`parse`, `asResponse`, `_thenUnwrap`) are shared functions that find this through the
 * promise, so a call allocates two closures rather than one per wrapped method.
 */
class Observation {
  parseRequested = false;
  rawRequested = false;
  private settled = false;
  readonly onError: (err: unknown) => void;

  constructor(
    readonly op: Operation,
    readonly handlers: ResultHandlers,
  ) {
    this.onError = (err) => op.fail(err);
  }

  markRequested(): void {
    this.parseRequested = true;
    this.op.touch();
  }

  /** Runs once, whichever path delivered the parsed result first. */
  settle(result: unknown): unknown {
    if (!this.settled) {
      this.settled = true;
      settle(result, this.op, this.handlers);
    }
    return result;
  }

  /** The SDK calls `parseResponse` unbound in some versions: this one closure carries the state. */
  parseResponseHook(original: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
    const obs = this;
    return function observedParseResponse(this: unknown, ...args: unknown[]) {
      obs.markRequested();
      obs.recordStatus(args);
      return obs.parsed(original, this, args, true);
    };
  }

  /** Status of the response being parsed: `(props)` in openai 4, `(client, props)` later. */
  recordStatus(args: unknown[]): void {
    const props = (args.length > 1 ? args[1] : args[0]) as { response?: { status?: unknown } } | undefined;
    const status = props?.response?.status;
    if (typeof status === 'number') this.op.span.setAttribute(ATTR.HTTP_STATUS_CODE, status);
  }

  /** Calls a parse function and observes its outcome; `settles` is false for a derived promise's parser. */
  parsed(fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[], settles: boolean): unknown {
    let out: unknown;
    try {
      out = fn.apply(self, args);
    } catch (err) {
      this.op.fail(err);
      throw err;
    }
    if (isThenable(out)) {
      return (out as Promise<unknown>).then(
        (result) => (settles ? this.settle(result) : result),
        (err) => {
          this.op.fail(err);
          throw err;
        },
      );
    }
    return settles ? this.settle(out) : out;
  }
}

function observationOf(promise: unknown): Observation | undefined {
  return (promise as Record<symbol, Observation | undefined> | null)?.[OBSERVATION];
}

function observedParse(this: StainlessPromise) {
  const obs = observationOf(this) as Observation;
  obs.markRequested();
  return ((this as Slots)[PARSE] as () => unknown).apply(this);
}

function observedAsResponse(this: StainlessPromise, ...args: unknown[]) {
  const obs = observationOf(this) as Observation;
  const first = !obs.rawRequested && !obs.parseRequested;
  obs.rawRequested = true;
  if (first) {
    try {
      obs.handlers.onRaw?.(obs.op);
    } catch (err) {
      obs.op.telemetry.internalError('raw', err, obs.op.span);
    }
  }
  const out = ((this as Slots)[AS_RESPONSE] as (...a: unknown[]) => unknown).apply(this, args);
  // The caller takes the raw Response and reads the body itself: we cannot see usage. Unless it also
  // asked for the parsed result (withResponse()), the span ends when the response arrives.
  if (first && isThenable(out)) {
    out.then(
      (response) => {
        if (obs.parseRequested) return;
        const status = (response as { status?: unknown } | undefined)?.status;
        if (typeof status === 'number') obs.op.span.setAttribute(ATTR.HTTP_STATUS_CODE, status);
        obs.op.end('raw');
      },
      () => {},
    );
  }
  return out;
}

/**
 * `_thenUnwrap(transform)` derives a new promise, used by `.parse()`, `.stream()` helpers and (in
 * openai 7) by `create` itself. Newer SDKs build the derived parser from a closure rather than from
 * `this.parseResponse`, so we see the untransformed result by wrapping `transform`, and the derived
 * promise's parse failures by wrapping its own `parseResponse`.
 */
function observedThenUnwrap(this: StainlessPromise, transform: unknown, ...rest: unknown[]) {
  const obs = observationOf(this) as Observation;
  // Deriving is not consuming: the caller may still take the derived promise's raw response.
  obs.op.touch();
  const observedTransform =
    typeof transform === 'function'
      ? function (this: unknown, data: unknown, ...more: unknown[]) {
          obs.settle(data);
          const out = (transform as (...a: unknown[]) => unknown).call(this, data, ...more);
          // What `.parse()` and similar helpers hand the caller is the transformed object.
          if (out !== data) rememberCompletion(out, obs.op);
          return out;
        }
      : transform;
  const original = (this as Slots)[THEN_UNWRAP] as (...a: unknown[]) => unknown;
  const derived = original.call(this, observedTransform, ...rest) as StainlessPromise;
  if (derived !== null && typeof derived === 'object') {
    const parse = derived.parseResponse;
    if (typeof parse === 'function') {
      // openai 7's derived parser calls the SDK's own closure, not the parseResponse we hooked on the
      // promise it came from: record here what that hook would have recorded.
      derived.parseResponse = function observedDerivedParse(this: unknown, ...args: unknown[]) {
        obs.markRequested();
        obs.recordStatus(args);
        return obs.parsed(parse, this, args, false);
      };
    }
    // A derived promise is the caller's too (`.parse()` returns one): `asResponse()`, `withResponse()`
    // and a further `_thenUnwrap` on it are observed like the original's.
    attach(derived, obs);
  }
  return derived;
}

function settle(result: unknown, op: Operation, handlers: ResultHandlers, signal?: AbortSignal): unknown {
  rememberCompletion(result, op);
  try {
    const stream = result as StainlessStream | null;
    if (op.request.stream && stream !== null && typeof stream === 'object' && typeof stream.iterator === 'function') {
      observeStream(stream, op, handlers.streamObserver(op));
    } else if (op.request.stream) {
      // The caller holds the stream from now on: an abandoned one ends here at the earliest, never before its start.
      op.touch();
      const aborted = (err?: unknown) => signal?.aborted === true || isAbortError(err);
      const inner = handlers.streamOf === undefined ? result : handlers.streamOf(result);
      if (!observeIterable(inner, op, handlers.streamObserver(op), aborted)) {
        op.telemetry.internalError('unknown-stream-shape', new Error('streamed result is not iterable'), op.span);
        op.end();
      }
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

// SDKs that return plain promises (`@google/genai`, Mistral, the AWS SDK) have no lazy body to protect: a
// side `.then` on the SDK's own promise is safe, and runs before the caller's, so a stream is observed
// before the caller can pull from it. A future Stainless shape we do not know lands here too: this may
// parse its body eagerly, which only matters to callers that use `asResponse()`.
function observePlain(value: unknown, op: Operation, handlers: ResultHandlers, signal?: AbortSignal): void {
  if (!isThenable(value)) {
    op.telemetry.internalError('unknown-result-shape', new Error('SDK returned a non-promise'), op.span);
    op.end();
    return;
  }
  value.then(
    (result) => settle(result, op, handlers, signal),
    (err) => op.fail(err),
  );
}

function observeStream(stream: StainlessStream, op: Operation, observer: StreamObserver): void {
  const originalIterator = stream.iterator as (...args: unknown[]) => AsyncIterator<unknown>;
  // The SDK aborts its own controller when the stream fails, so only an end without an error is the caller's abort.
  const aborted = (err?: unknown) => err === undefined && stream.controller?.signal?.aborted === true;
  let observed = false;
  stream.iterator = function observedIterator(this: unknown, ...args: unknown[]) {
    const inner = originalIterator.apply(this, args);
    // A second iteration is the SDK's error to raise; only the first one carries the telemetry.
    if (observed) return inner;
    observed = true;
    return new ObservedIterator(inner, op, observer, aborted);
  };
}
