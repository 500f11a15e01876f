import {
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
} from '@promptscope/core/provider';
import { OPENAI } from './patch.js';

export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';
export type { Instrumented, ManualOptions };
export type OpenAIInstrumentationConfig = ProviderInstrumentationConfig;

/**
 * Patches `openai` (v4 to v7) when it is loaded, through `require` or `import` (the ESM loader hook must
 * be registered; `@promptscope/register` does it). For bundled apps, see {@link instrument}.
 */
export class OpenAIInstrumentation extends ProviderInstrumentation {
  static override spec = OPENAI;
}

/**
 * Instruments an `openai` module object you imported yourself: for bundled apps, where no loader hook
 * sees the import. `import OpenAI from 'openai'; instrument(OpenAI);` (the class or the namespace).
 * Throws when given something that is not the openai module, since nothing would be recorded.
 */
export function instrument(openaiModule: unknown, options: ManualOptions = {}): Instrumented {
  return manualInstrument(OPENAI, openaiModule, options);
}
