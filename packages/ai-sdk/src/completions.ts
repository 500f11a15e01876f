/**
 * Feedback for AI SDK results. Core remembers completions by the result object the instrumentation handed
 * out, but here the AI SDK builds its results after its telemetry callbacks ran: what both sides share is
 * the model call's response id (the provider's, or one the AI SDK generated). Model calls are remembered
 * by it, a bounded number of them, so memory stays flat however long the process runs.
 */
import { type CompletionRef, completionOf as coreCompletionOf } from '@promptscope/core';
import { type Operation, rememberCompletion } from '@promptscope/core/provider';

const MAX_REMEMBERED = 10_000;
const byResponseId = new Map<string, object>();

/** @internal Called when a model call's span is complete. */
export function rememberModelCall(responseId: string | undefined, op: Operation): void {
  if (responseId === undefined || responseId === '') return;
  const key = {};
  rememberCompletion(key, op);
  byResponseId.delete(responseId);
  if (byResponseId.size >= MAX_REMEMBERED) {
    // Map keeps insertion order: the first key is the oldest.
    const oldest = byResponseId.keys().next().value;
    if (oldest !== undefined) byResponseId.delete(oldest);
  }
  byResponseId.set(responseId, key);
}

function responseIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as { response?: unknown; responseId?: unknown; id?: unknown; steps?: unknown };
  // A generateText result or a step: `response.id` is the (final) model call's.
  if (v.response !== null && typeof v.response === 'object') {
    const id = (v.response as { id?: unknown }).id;
    if (typeof id === 'string') return id;
  }
  if (typeof v.responseId === 'string') return v.responseId;
  // A response object itself, e.g. `await streamResult.response`.
  if (typeof v.id === 'string') return v.id;
  if (Array.isArray(v.steps) && v.steps.length > 0) return responseIdOf(v.steps[v.steps.length - 1]);
  return undefined;
}

/**
 * The completion (model-call span) an AI SDK result belongs to, for `@promptscope/feedback`: pass a
 * `generateText` result (its final model call), a step (`result.steps[i]`), a response
 * (`await streamResult.response`), or a response id. Falls back to core's `completionOf`, so results of
 * promptscope-instrumented vendor SDKs work too. Undefined when promptscope did not see that call.
 */
export function completionOf(value: unknown): CompletionRef | undefined {
  const direct = coreCompletionOf(value);
  if (direct !== undefined) return direct;
  const id = responseIdOf(value);
  if (id === undefined) return undefined;
  const key = byResponseId.get(id);
  return key === undefined ? undefined : coreCompletionOf(key);
}
