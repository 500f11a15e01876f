import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { isWrapped, type PromptscopeConfig, Telemetry } from '@promptscope/core';
import { patchOpenAI, unpatchOpenAI } from './patch.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

export interface ManualOptions extends PromptscopeConfig {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

export interface Instrumented {
  /** Restores the module's original methods. */
  uninstrument(): void;
}

/**
 * Instruments an `openai` module object you imported yourself: for bundled apps, where no loader hook
 * sees the import. `import OpenAI from 'openai'; instrument(OpenAI);` (the class or the namespace).
 * Throws when given something that is not the openai module, since nothing would be recorded.
 */
export function instrument(openaiModule: unknown, options: ManualOptions = {}): Instrumented {
  const telemetry = new Telemetry(options, { name: PACKAGE_NAME, version: PACKAGE_VERSION });
  if (options.tracerProvider !== undefined) telemetry.setTracerProvider(options.tracerProvider);
  if (options.meterProvider !== undefined) telemetry.setMeterProvider(options.meterProvider);
  const n = patchOpenAI(openaiModule, () => telemetry);
  if (n === 0 && !alreadyPatched(openaiModule)) {
    throw new TypeError(
      'instrument(): expected the openai module or its OpenAI class (import OpenAI from "openai"), ' +
        'but found no OpenAI.Chat.Completions to patch',
    );
  }
  return { uninstrument: () => unpatchOpenAI(openaiModule) };
}

function alreadyPatched(m: unknown): boolean {
  const mod = m as { OpenAI?: unknown; default?: unknown } | null;
  const cls = (mod?.OpenAI ?? mod?.default ?? mod) as { Chat?: { Completions?: { prototype?: { create?: unknown } } } };
  return isWrapped(cls?.Chat?.Completions?.prototype?.create);
}
