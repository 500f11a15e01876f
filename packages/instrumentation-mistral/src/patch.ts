import { trace } from '@opentelemetry/api';
import type { ProviderSpec, Target } from '@promptscope/core/provider';
import { chatMapping, embeddings } from './chat.js';
import { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';

type Obj = Record<PropertyKey, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object';

const roots = new WeakMap<object, Obj | null>();

/**
 * Where the targets' paths start: the `Chat` and `Embeddings` classes. The package exports neither (only
 * `Mistral`, whose getters build them lazily), so we read them off a throwaway client: its constructor
 * makes no request, and the probe settings are never used for a call.
 */
export function mistralRoot(moduleExports: unknown): Obj | undefined {
  const m = moduleExports as Obj | undefined;
  if (m === undefined || m === null) return undefined;
  const def = m.default as Obj | undefined;
  const fromDefault = isObj(def) || typeof def === 'function' ? def.Mistral : undefined;
  const cls = [m.Mistral, fromDefault, m].find(
    (c) => typeof c === 'function' && (c as { name?: unknown }).name === 'Mistral',
  ) as (new (opts: Obj) => Obj) | undefined;
  if (cls === undefined) return undefined;
  let root = roots.get(cls);
  if (root === undefined) {
    root = null;
    try {
      const client = new cls({ apiKey: 'promptscope-probe', serverURL: 'http://127.0.0.1:9' });
      const Chat = (client.chat as { constructor?: unknown } | undefined)?.constructor;
      const Embeddings = (client.embeddings as { constructor?: unknown } | undefined)?.constructor;
      if (typeof Chat === 'function') root = { Chat, Embeddings };
    } catch {
      // A constructor that wants more than we give it: nothing to patch, and `instrument()` says so.
    }
    roots.set(cls, root);
  }
  return root ?? undefined;
}

/** The Speakeasy operation ids of the methods we instrument (the SDK's tracing hook sees these). */
const OPERATION_IDS = new Set([
  'chat_completion_v1_chat_completions_post',
  'stream_chat',
  'embeddings_v1_embeddings_post',
]);
const SILENCED = Symbol('promptscope.silenced');

/** Our span is the active one while the SDK runs an instrumented call (the patch runs it in the span's context). */
function inOurSpan(): boolean {
  const span = trace.getActiveSpan() as
    | { instrumentationScope?: { name?: unknown }; instrumentationLibrary?: { name?: unknown } }
    | undefined;
  const scope = span?.instrumentationScope ?? span?.instrumentationLibrary;
  return scope?.name === PACKAGE_NAME;
}

/**
 * One call, one span. `@mistralai/mistralai` 2.x has a tracing hook that makes a GenAI span of its own for
 * each request once its telemetry is configured (`MISTRAL_SDK_TELEMETRY`, `registerTracerProvider`, or a
 * client's `setTracerProvider`). On a client we instrument, that hook steps aside for the calls our span
 * covers, so tokens and cost are counted once; it keeps tracing every other operation (agents, OCR, ...).
 * Only this client's hook instance is changed, and only its `beforeRequest`: without a span made there,
 * its `afterSuccess` and `afterError` do nothing.
 */
export function silenceSdkTracing(resource: unknown): void {
  if (!isObj(resource) || !isObj(resource._options) || !isObj(resource._options.hooks)) return;
  const hooks = (resource._options.hooks as { beforeRequestHooks?: unknown }).beforeRequestHooks;
  if (!Array.isArray(hooks)) return;
  for (const hook of hooks) {
    if (!isObj(hook) || hook._mistralTracingHook !== true || hook[SILENCED] === true) continue;
    const original = hook.beforeRequest;
    if (typeof original !== 'function') continue;
    Object.defineProperty(hook, SILENCED, { value: true });
    hook.beforeRequest = function beforeRequest(this: unknown, hookCtx: unknown, request: unknown, ...rest: unknown[]) {
      const id = isObj(hookCtx) ? hookCtx.operationID : undefined;
      if (typeof id === 'string' && OPERATION_IDS.has(id) && inOurSpan()) return Promise.resolve(request);
      return original.call(this, hookCtx, request, ...rest);
    };
  }
}

// Each resource is a Speakeasy `ClientSDK` itself: it holds `_baseURL` and `_options`.
const self = (resource: unknown) => resource;

const TARGETS: Target[] = [
  { path: ['Chat'], method: 'complete', mapping: chatMapping(false), beforeCall: silenceSdkTracing, client: self },
  { path: ['Chat'], method: 'stream', mapping: chatMapping(true), beforeCall: silenceSdkTracing, client: self },
  { path: ['Embeddings'], method: 'create', mapping: embeddings, beforeCall: silenceSdkTracing, client: self },
];

export const MISTRAL: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: '@mistralai/mistralai',
  supportedVersions: SUPPORTED_VERSIONS,
  clientClass: mistralRoot,
  targets: TARGETS,
  usage: 'import { Mistral } from "@mistralai/mistralai"; instrument(Mistral)',
};
