import {
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
  type ProviderSpec,
} from '@promptscope/core/provider';
import { GENERATIVE_AI } from './generative-ai.js';
import { GOOGLE_GENAI } from './patch.js';

export { PROMPT_BLOCKED } from './generate.js';
export { GENERATIVE_AI_VERSIONS } from './generative-ai.js';
export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';
export type { Instrumented, ManualOptions };
export type GoogleGenAIInstrumentationConfig = ProviderInstrumentationConfig;

/**
 * Patches `@google/genai` (Gemini API and Vertex AI clients alike), and the deprecated
 * `@google/generative-ai`, when they are loaded, through `require` or `import` (the ESM loader hook must be
 * registered; `@promptscope/register` does it). For bundled apps, see {@link instrument}.
 */
export class GoogleGenAIInstrumentation extends ProviderInstrumentation {
  static override spec = GOOGLE_GENAI;
  static override moreSpecs = [GENERATIVE_AI];
}

/**
 * Instruments a module object you imported yourself, for bundled apps: `import * as genai from
 * '@google/genai'; instrument(genai);`, or `instrument(GoogleGenAI)` with the client class; likewise the
 * `@google/generative-ai` module (told by its `GenerativeModel` export).
 */
export function instrument(genaiModule: unknown, options: ManualOptions = {}): Instrumented {
  return manualInstrument(specOf(genaiModule), genaiModule, options);
}

function specOf(moduleExports: unknown): ProviderSpec {
  return GENERATIVE_AI.clientClass(moduleExports) !== undefined ? GENERATIVE_AI : GOOGLE_GENAI;
}
