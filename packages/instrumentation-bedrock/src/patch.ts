import type { ApiMapping, Prepared, ProviderSpec, Target, Telemetry } from '@promptscope/core/provider';
import { converse } from './converse.js';
import { invoke } from './invoke.js';
import { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object';

/** What one model command needs from the shared `send` patch. */
export interface CommandMapping {
  prepare(input: Obj, client: unknown, telemetry: Telemetry, signal: AbortSignal | undefined): Prepared | undefined;
}

const MAPPINGS: Readonly<Record<string, CommandMapping>> = {
  ConverseCommand: converse(false),
  ConverseStreamCommand: converse(true),
  InvokeModelCommand: invoke(false),
  InvokeModelWithResponseStreamCommand: invoke(true),
};

/**
 * Command classes of each module we patched, so a command is recognised by identity; the class name is
 * the fallback for a command built from another copy of the package (the CJS and ESM builds side by side).
 */
const KNOWN = new WeakMap<object, CommandMapping>();

function mappingOf(command: Obj): CommandMapping | undefined {
  const ctor = command.constructor as (Function & { name?: string }) | undefined;
  if (typeof ctor !== 'function') return undefined;
  return KNOWN.get(ctor) ?? (Object.hasOwn(MAPPINGS, ctor.name) ? MAPPINGS[ctor.name] : undefined);
}

/**
 * `BedrockRuntimeClient.prototype.send`, the one door every command goes through. We wrap `send` rather
 * than add middleware: a middleware stack belongs to each client instance (clients built before we were
 * loaded would need their constructor patched too), and its steps run per attempt once placed below the
 * retry step, whereas `send` on the prototype covers every client, sees the caller's command once and
 * returns the very promise and output object the caller gets, which core observes in place. We patch the Bedrock Runtime client's own prototype, never the Smithy `Client` base: its
 * `send` is shared by every AWS client in the process (S3, DynamoDB, …), which must stay untouched.
 * Commands other than the four model calls (and the callback form of `send`, which returns no promise)
 * go straight through.
 */
const send: ApiMapping = {
  prepare(command, client, telemetry, args): Prepared | undefined {
    if (!isObj(command) || !isObj(command.input)) return undefined;
    if (args.some((a) => typeof a === 'function')) return undefined;
    const mapping = mappingOf(command);
    if (mapping === undefined) return undefined;
    const options = args[1];
    const signal = isObj(options) ? (options.abortSignal as AbortSignal | undefined) : undefined;
    const prepared = mapping.prepare(command.input, client, telemetry, signal);
    if (prepared === undefined) return undefined;
    // The command object goes to the SDK as the caller built it.
    prepared.body = command;
    OURS.add(command);
    return prepared;
  },
};

const TARGETS: Target[] = [
  {
    path: ['BedrockRuntimeClient'],
    method: 'send',
    mapping: send,
    // `send` is the client's own method: `this` is the client.
    client: (resource) => resource,
  },
];

/**
 * One GenAI span per model call when `@opentelemetry/instrumentation-aws-sdk` is registered too. That
 * instrumentation wraps the Smithy `Client.prototype.send` shared by every AWS client and, for Bedrock
 * Runtime, makes a span with `gen_ai.*` attributes and records `gen_ai.client.*` metrics of its own. A
 * command we made a span for (remembered in OURS) is sent through the base `send` it wrapped — shimmer's
 * `__original` — so neither its span nor its metrics count the call a second time; every other command,
 * and every call when we are not instrumenting, goes through whatever the base `send` is at call time,
 * the other instrumentation included. The delegate below is the client's own `send` for that reason: core
 * wraps it, and it looks up the base method at each call rather than freezing the one found at patch time.
 */
const OURS = new WeakSet<object>();

function baseSend(base: Obj, command: unknown): Function {
  const send = base.send as Function & { __wrapped?: boolean; __original?: unknown };
  if (isObj(command) && OURS.delete(command) && send.__wrapped === true && typeof send.__original === 'function') {
    return send.__original as Function;
  }
  return send;
}

function installDelegate(cls: { prototype: object }): void {
  const proto = cls.prototype as Obj;
  // The SDK defines no `send` of its own on the Bedrock Runtime client; if a version ever does, keep it.
  if (Object.hasOwn(proto, 'send')) return;
  const base = Object.getPrototypeOf(proto) as Obj | null;
  if (base === null || typeof base.send !== 'function') return;
  Object.defineProperty(proto, 'send', {
    value: function send(this: unknown, ...args: unknown[]) {
      return baseSend(base, args[0]).apply(this, args);
    },
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/** The module namespace (or CJS exports) when it is the Bedrock Runtime client's; remembers its commands. */
function clientRoot(moduleExports: unknown): Obj | undefined {
  const m = moduleExports as Obj | undefined;
  for (const candidate of [m, m?.default]) {
    if (!isObj(candidate) || typeof candidate.BedrockRuntimeClient !== 'function') continue;
    if (typeof candidate.ConverseCommand !== 'function' && typeof candidate.InvokeModelCommand !== 'function') continue;
    for (const [name, mapping] of Object.entries(MAPPINGS)) {
      const cls = candidate[name];
      if (typeof cls === 'function') KNOWN.set(cls, mapping);
    }
    installDelegate(candidate.BedrockRuntimeClient as { prototype: object });
    return candidate;
  }
  return undefined;
}

export const BEDROCK_RUNTIME: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: '@aws-sdk/client-bedrock-runtime',
  supportedVersions: SUPPORTED_VERSIONS,
  clientClass: clientRoot,
  targets: TARGETS,
  usage: 'import * as bedrock from "@aws-sdk/client-bedrock-runtime"; instrument(bedrock)',
};
