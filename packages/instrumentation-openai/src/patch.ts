import { context, diag } from '@opentelemetry/api';
import { type Operation, observeResult, type Telemetry, unwrapMethod, wrapMethod } from '@promptscope/core';
import type { ApiMapping } from './api.js';
import { chatCompletions } from './chat.js';
import { embeddings } from './embeddings.js';
import type { ClientLike } from './request.js';
import { responses } from './responses.js';

interface ResourceClass {
  prototype: object;
}

/** Where each patched method lives, reached from the exported client class (stable from v4 to v7). */
const TARGETS: { path: string[]; mapping: ApiMapping }[] = [
  { path: ['Chat', 'Completions'], mapping: chatCompletions },
  { path: ['Responses'], mapping: responses },
  { path: ['Embeddings'], mapping: embeddings },
];

/** The `OpenAI` class from a CJS `module.exports`, an ESM namespace, or the class itself. */
export function clientClass(moduleExports: unknown): Record<string, unknown> | undefined {
  const m = moduleExports as Record<string, unknown> | undefined;
  if (m === undefined || m === null) return undefined;
  for (const candidate of [m.OpenAI, m.default, m]) {
    if (typeof candidate === 'function' && typeof (candidate as { Chat?: unknown }).Chat === 'function') {
      return candidate as unknown as Record<string, unknown>;
    }
  }
  return undefined;
}

function resolve(root: Record<string, unknown>, path: string[]): ResourceClass | undefined {
  let node: unknown = root;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return typeof node === 'function' ? (node as unknown as ResourceClass) : undefined;
}

/** Patches the `openai` module's resource classes. Returns how many methods were patched. */
export function patchOpenAI(moduleExports: unknown, telemetry: () => Telemetry): number {
  const OpenAI = clientClass(moduleExports);
  if (OpenAI === undefined) {
    diag.warn('promptscope: this does not look like the openai module (no OpenAI.Chat); nothing patched');
    return 0;
  }
  let patched = 0;
  for (const { path, mapping } of TARGETS) {
    const cls = resolve(OpenAI, path);
    if (cls === undefined) continue;
    if (wrapMethod(cls.prototype, 'create', (original) => instrumentedCreate(original, mapping, telemetry))) patched++;
  }
  return patched;
}

export function unpatchOpenAI(moduleExports: unknown): void {
  const OpenAI = clientClass(moduleExports);
  if (OpenAI === undefined) return;
  for (const { path } of TARGETS) {
    const cls = resolve(OpenAI, path);
    if (cls !== undefined) unwrapMethod(cls.prototype, 'create');
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK method's own signature passes through untouched
type Create = (this: any, ...args: any[]) => any;

function instrumentedCreate(original: Create, mapping: ApiMapping, recorder: () => Telemetry): Create {
  return function create(this: { _client?: ClientLike }, ...args: unknown[]) {
    const telemetry = recorder();
    let op: Operation | undefined;
    let callArgs = args;
    try {
      const prepared = mapping.prepare(args[0], this?._client, telemetry);
      if (prepared !== undefined) {
        op = telemetry.start(prepared.request);
        // Starting failed inside core (it returned an inert operation): make the call as if we were not here.
        if (op.isEnded) return original.apply(this, args);
        if (prepared.body !== args[0]) callArgs = [prepared.body, ...args.slice(1)];
        if (op.captureContent && prepared.recordContent !== undefined) {
          try {
            prepared.recordContent(op);
          } catch (err) {
            telemetry.internalError('request-content', err, op.span);
          }
        }
        const result = runOriginal(original, this, callArgs, op);
        try {
          observeResult(result, op, prepared.handlers);
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

/** Marks an error thrown synchronously by the SDK itself, so we rethrow it rather than retry the call. */
class SdkThrew {
  constructor(readonly error: unknown) {}
}

function runOriginal(original: Create, self: unknown, args: unknown[], op: Operation): unknown {
  try {
    // The span is active while the SDK issues the request, so HTTP spans nest and context propagates.
    return context.with(op.context, () => original.apply(self, args));
  } catch (err) {
    op.fail(err);
    throw new SdkThrew(err);
  }
}
