import {
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
} from '@promptscope/core/provider';
import { BEDROCK_RUNTIME } from './patch.js';

export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';
export type { Instrumented, ManualOptions };
export type BedrockInstrumentationConfig = ProviderInstrumentationConfig;

/**
 * Patches `@aws-sdk/client-bedrock-runtime` when it is loaded, through `require` or `import` (the ESM
 * loader hook must be registered; `@promptscope/register` does it). For bundled apps, see {@link instrument}.
 */
export class BedrockInstrumentation extends ProviderInstrumentation {
  static override spec = BEDROCK_RUNTIME;
}

/**
 * Instruments the module you imported yourself, for bundled apps:
 * `import * as bedrock from '@aws-sdk/client-bedrock-runtime'; instrument(bedrock);`.
 */
export function instrument(bedrockModule: unknown, options: ManualOptions = {}): Instrumented {
  return manualInstrument(BEDROCK_RUNTIME, bedrockModule, options);
}
