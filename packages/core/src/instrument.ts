/**
 * The patch every provider package applies to its SDK's methods: prepare the request, start the
 * operation, call the SDK inside the span's context, observe what it returns, and fail open when our own
 * code breaks. A provider package supplies only the mapping and where its methods live.
 */
import { context, diag } from '@opentelemetry/api';
import type { Operation, OperationRequest } from './operation.js';
import { unwrapMethod, wrapMethod } from './patch.js';
import { observeResult, type ResultHandlers } from './stainless.js';
import type { Telemetry } from './telemetry.js';

/** How one SDK method maps to telemetry: the request before the call, the result after. */
export interface ApiMapping {
  /**
   * Returns the request to record and the body to send, or undefined to leave the call alone. `body` is
   * the method's first argument; `args` all of them (the AWS SDK's `send(command, options)`).
   */
  prepare(body: unknown, client: unknown, telemetry: Telemetry, args: readonly unknown[]): Prepared | undefined;
}

export interface Prepared {
  request: OperationRequest;
  /** The body to pass to the SDK: the caller's own object unless we had to add to it. */
  body: unknown;
  /** Records request content; only called when content capture is on. */
  recordContent?(op: Operation): void;
  handlers: ResultHandlers;
  /** The caller's abort signal, when the SDK takes one: a stream that stops after it fired ended as `aborted`. */
  signal?: AbortSignal;
}

/** A method to patch: `path` from the SDK's client class to a resource class, and the method's name. */
export interface Target {
  path: string[];
  method: string;
  mapping: ApiMapping;
  /** Runs before the SDK method with the resource's client, e.g. to turn the SDK's own tracing off. */
  beforeCall?(client: unknown): void;
  /**
   * The SDK client behind the resource the method is called on (for its base URL and options). Default
   * `this._client`, where Stainless SDKs keep it.
   */
  client?(resource: unknown): unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK method's own signature passes through untouched
type Method = (this: any, ...args: any[]) => any;

function resolve(root: Record<string, unknown>, path: string[]): { prototype: object } | undefined {
  let node: unknown = root;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return typeof node === 'function' ? (node as unknown as { prototype: object }) : undefined;
}

/** Patches every target found under `clientClass`. Returns how many methods were patched. */
export function patchTargets(
  clientClass: Record<string, unknown>,
  targets: readonly Target[],
  recorder: () => Telemetry,
): number {
  let patched = 0;
  for (const target of targets) {
    const cls = resolve(clientClass, target.path);
    if (cls === undefined) continue;
    const wrapped = wrapMethod(cls.prototype, target.method, (original) =>
      target.mapping === PASS_THROUGH ? beforeOnly(original, target) : instrumentedMethod(original, target, recorder),
    );
    if (wrapped) patched++;
  }
  if (patched === 0) diag.debug('promptscope: no SDK method found to patch');
  return patched;
}

export function unpatchTargets(clientClass: Record<string, unknown>, targets: readonly Target[]): void {
  for (const target of targets) {
    const cls = resolve(clientClass, target.path);
    if (cls !== undefined) unwrapMethod(cls.prototype, target.method);
  }
}

/** A mapping for methods we only need to run `beforeCall` on (their work reaches a patched method). */
export const PASS_THROUGH: ApiMapping = { prepare: () => undefined };

function beforeOnly(original: Method, target: Target): Method {
  return function patched(this: { _client?: unknown }, ...args: unknown[]) {
    try {
      target.beforeCall?.(clientOf(target, this));
    } catch {
      // Preparing the client is best effort; the call itself must go through.
    }
    return original.apply(this, args);
  };
}

function instrumentedMethod(original: Method, target: Target, recorder: () => Telemetry): Method {
  const { mapping } = target;
  return function patched(this: { _client?: unknown }, ...args: unknown[]) {
    const telemetry = recorder();
    let op: Operation | undefined;
    try {
      const client = clientOf(target, this);
      target.beforeCall?.(client);
      const prepared = mapping.prepare(args[0], client, telemetry, args);
      if (prepared !== undefined) {
        op = telemetry.start(prepared.request);
        // Starting failed inside core (it returned an inert operation): make the call as if we were not here.
        if (op.isEnded) return original.apply(this, args);
        const callArgs = prepared.body !== args[0] ? [prepared.body, ...args.slice(1)] : args;
        if (op.captureContent && prepared.recordContent !== undefined) {
          try {
            prepared.recordContent(op);
          } catch (err) {
            telemetry.internalError('request-content', err, op.span);
          }
        }
        const result = runOriginal(original, this, callArgs, op);
        try {
          observeResult(result, op, prepared.handlers, prepared.signal);
        } catch (err) {
          telemetry.internalError('observe', err, op.span);
          op.end();
        }
        return result;
      }
    } catch (err) {
      if (err instanceof SdkThrew) throw err.error;
      // Our own code failed before the SDK was called: make the call exactly as if we were not here.
      telemetry.internalError('prepare', err, op?.span);
      op?.end();
      return original.apply(this, args);
    }
    return original.apply(this, args);
  };
}

function clientOf(target: Target, resource: { _client?: unknown } | undefined): unknown {
  return target.client === undefined ? resource?._client : target.client(resource);
}

/** Marks an error thrown synchronously by the SDK itself, so we rethrow it rather than retry the call. */
class SdkThrew {
  constructor(readonly error: unknown) {}
}

function runOriginal(original: Method, self: unknown, args: unknown[], op: Operation): unknown {
  try {
    // The span is active while the SDK issues the request, so HTTP spans nest and context propagates.
    return context.with(op.context, () => original.apply(self, args));
  } catch (err) {
    op.fail(err);
    throw new SdkThrew(err);
  }
}
