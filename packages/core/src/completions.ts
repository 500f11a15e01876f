/**
 * Which completion an SDK result came from, so feedback arriving later can be linked to its span: the
 * result objects the instrumentation observed are remembered weakly (no memory is held once the app
 * drops them), and the reference is built only when someone asks.
 */
import type { Operation } from './operation.js';

/** Everything feedback needs to point at a completion, from any process, later. */
export interface CompletionRef {
  traceId: string;
  spanId: string;
  traceFlags: number;
  provider: string;
  model?: string;
  responseId?: string;
  promptName?: string;
  promptVersion?: string;
  promptLabel?: string;
}

const seen = new WeakMap<object, Operation>();

/** @internal Called by the instrumentation when it hands a result (a response, a stream) to the caller. */
export function rememberCompletion(value: unknown, op: Operation): void {
  if (value !== null && typeof value === 'object') seen.set(value, op);
}

/** The completion a result object returned by an instrumented SDK call belongs to, if we recorded it. */
export function completionOf(value: unknown): CompletionRef | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const op = seen.get(value);
  if (op === undefined) return undefined;
  const ctx = op.span.spanContext();
  const ref: CompletionRef = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceFlags: ctx.traceFlags,
    provider: op.request.provider,
  };
  const model = op.responseModel ?? op.request.model;
  if (model !== undefined) ref.model = model;
  if (op.responseId !== undefined) ref.responseId = op.responseId;
  if (op.prompt !== undefined) {
    ref.promptName = op.prompt.name;
    ref.promptVersion = op.prompt.version;
    if (op.prompt.label !== undefined) ref.promptLabel = op.prompt.label;
  }
  return ref;
}
