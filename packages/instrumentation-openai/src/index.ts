import {
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
} from '@promptscope/core/provider';
import { compatibleSpecOf, GROQ, TOGETHER } from './compatible.js';
import { OPENAI } from './patch.js';

export { GROQ_VERSIONS, TOGETHER_VERSIONS } from './compatible.js';
export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';
export type { Instrumented, ManualOptions };
export type OpenAIInstrumentationConfig = ProviderInstrumentationConfig;

/**
 * Patches `openai` (v4 to v7), `groq-sdk` and `together-ai` when they are loaded, through `require` or
 * `import` (the ESM loader hook must be registered; `@promptscope/register` does it). For bundled apps, see
 * {@link instrument}.
 */
export class OpenAIInstrumentation extends ProviderInstrumentation {
  static override spec = OPENAI;
  static override moreSpecs = [GROQ, TOGETHER];
}

/**
 * Instruments an `openai`, `groq-sdk` or `together-ai` module object you imported yourself: for bundled
 * apps, where no loader hook sees the import. `import Groq from 'groq-sdk'; instrument(Groq);` (the class or
 * the namespace). The SDK is told by its client class's name, and names the provider (`openai`, `groq`,
 * `together`) unless the client's base URL says otherwise. Throws when given something else, since nothing
 * would be recorded.
 */
export function instrument(sdkModule: unknown, options: ManualOptions = {}): Instrumented {
  return manualInstrument(compatibleSpecOf(sdkModule) ?? OPENAI, sdkModule, options);
}
