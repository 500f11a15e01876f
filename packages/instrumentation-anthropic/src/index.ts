import {
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
} from '@promptscope/core/provider';
import { ANTHROPIC } from './patch.js';

export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';
export type { Instrumented, ManualOptions };
export type AnthropicInstrumentationConfig = ProviderInstrumentationConfig;

/**
 * Patches `@anthropic-ai/sdk` when it is loaded, through `require` or `import` (the ESM loader hook must
 * be registered; `@promptscope/register` does it). For bundled apps, see {@link instrument}.
 */
export class AnthropicInstrumentation extends ProviderInstrumentation {
  static override spec = ANTHROPIC;
}

/**
 * Instruments an `@anthropic-ai/sdk` module object you imported yourself, for bundled apps:
 * `import Anthropic from '@anthropic-ai/sdk'; instrument(Anthropic);`.
 */
export function instrument(anthropicModule: unknown, options: ManualOptions = {}): Instrumented {
  return manualInstrument(ANTHROPIC, anthropicModule, options);
}
