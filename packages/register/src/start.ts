import { metrics } from '@opentelemetry/api';
import { endOpenOperations } from '@promptscope/core/provider';
import type { OpenAIInstrumentationConfig } from '@promptscope/instrumentation-openai';
import { defaultWarn, type Env, type RegisterSettings, readSettings, type SdkMode, type Warn } from './env.js';
import { ExportGate } from './exporters.js';
import { createInstrumentations } from './instrumentations.js';
import { registerLoaderHook } from './loader.js';
import { buildSdk, globalTracerProvider, hasGlobalSdk } from './sdk.js';
import { installExitHandlers, once, withDeadline } from './shutdown.js';

export interface StartOptions {
  /** Variables to read instead of `process.env` (register's own settings; exporters read `process.env`). */
  env?: Env;
  /** Where configuration warnings go; default `process.emitWarning`. */
  warn?: Warn;
  /** Options for the provider instrumentations; unset ones come from the environment (core's resolveConfig). */
  instrumentation?: OpenAIInstrumentationConfig;
  /** Overrides PROMPTSCOPE_SDK. */
  sdk?: SdkMode;
  /** Overrides PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS: one deadline for the whole shutdown. */
  shutdownTimeoutMs?: number;
  /** Flush on beforeExit, SIGTERM and SIGINT. Default true. */
  exitHandlers?: boolean;
  /** Register the ESM loader hook, resolving it from this file URL. The `--import` entry passes its own. */
  loaderHookParentUrl?: string;
}

/**
 * - `sdk`: we started a NodeSDK (traces, metrics, logs over OTLP) with the instrumentation.
 * - `instrumentation-only`: an SDK was already registered (or PROMPTSCOPE_SDK=off); only the
 *   instrumentation was added, and it records to whatever global providers are registered when a call runs.
 * - `disabled`: OTEL_SDK_DISABLED=true; nothing started, nothing patched.
 */
export type RegisterMode = 'sdk' | 'instrumentation-only' | 'disabled';

export interface Registration {
  readonly mode: RegisterMode;
  readonly settings: RegisterSettings;
  /**
   * Ends open operations (so their spans are exported), then flushes and shuts down our SDK (or only
   * flushes the app's providers in `instrumentation-only` mode), all within one deadline. Never rejects;
   * safe to call more than once.
   */
  shutdown(): Promise<void>;
}

const SLOT = Symbol.for('promptscope.register');
type Slot = { [SLOT]?: Registration };

/** The running registration, if any (shared by the ESM and CJS builds through a global symbol). */
export function current(): Registration | undefined {
  return (globalThis as Slot)[SLOT];
}

/**
 * Sets up promptscope. Idempotent: while a registration is running, another call returns it (so
 * `--import` plus `-r`, or the entry plus an explicit call, never start two SDKs).
 */
export function start(options: StartOptions = {}): Registration {
  const running = current();
  if (running !== undefined) return running;

  const warn = options.warn ?? defaultWarn;
  const settings = readSettings(options.env ?? process.env, warn);
  if (options.sdk !== undefined) settings.sdk = options.sdk;
  if (options.shutdownTimeoutMs !== undefined) settings.shutdownTimeoutMs = options.shutdownTimeoutMs;

  if (settings.disabled) {
    return { mode: 'disabled', settings, shutdown: async () => {} };
  }

  if (options.loaderHookParentUrl !== undefined) registerLoaderHook(options.loaderHookParentUrl);
  const instrumentations = createInstrumentations(options.instrumentation);

  const gate = new ExportGate();
  const sdk = settings.sdk === 'auto' && !hasGlobalSdk() ? buildSdk(settings, instrumentations, gate) : undefined;
  sdk?.start();

  let uninstall = () => {};
  const shutdown = once(async () => {
    uninstall();
    await withDeadline(
      async () => {
        endOpenOperations();
        await (sdk !== undefined ? sdk.shutdown() : flushGlobalProviders());
      },
      settings.shutdownTimeoutMs,
      () => gate.abandon(),
    );
    for (const instrumentation of instrumentations) instrumentation.disable();
    if (current() === registration) delete (globalThis as Slot)[SLOT];
  });

  const registration: Registration = { mode: sdk !== undefined ? 'sdk' : 'instrumentation-only', settings, shutdown };
  (globalThis as Slot)[SLOT] = registration;
  if (options.exitHandlers !== false) uninstall = installExitHandlers(shutdown);
  return registration;
}

interface Flushable {
  forceFlush?: () => Promise<unknown>;
}

/** The app owns its SDK: flush it, never shut it down. */
async function flushGlobalProviders(): Promise<void> {
  const tracerProvider = globalTracerProvider() as Flushable;
  const meterProvider = metrics.getMeterProvider() as Flushable;
  await Promise.all([tracerProvider.forceFlush?.(), meterProvider.forceFlush?.()]);
}
