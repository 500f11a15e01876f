import {
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
} from '@promptscope/core/provider';
import { MISTRAL } from './patch.js';

export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';
export type { Instrumented, ManualOptions };
export type MistralInstrumentationConfig = ProviderInstrumentationConfig;

/**
 * Patches `@mistralai/mistralai` when it is loaded, through `require` or `import` (the ESM loader hook must
 * be registered; `@promptscope/register` does it). For bundled apps, see {@link instrument}.
 */
export class MistralInstrumentation extends ProviderInstrumentation {
  static override spec = MISTRAL;
}

/**
 * Instruments a module object you imported yourself, for bundled apps: the package's namespace or its
 * `Mistral` class (`import { Mistral } from '@mistralai/mistralai'; instrument(Mistral);`).
 */
export function instrument(mistralModule: unknown, options: ManualOptions = {}): Instrumented {
  return manualInstrument(MISTRAL, mistralModule, options);
}
