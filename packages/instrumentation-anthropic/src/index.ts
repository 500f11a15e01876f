import {
  type Instrumented,
  type ManualOptions,
  manualInstrument,
  ProviderInstrumentation,
  type ProviderInstrumentationConfig,
  type ProviderSpec,
} from '@promptscope/core/provider';
import { ANTHROPIC, BEDROCK, VERTEX } from './patch.js';

export { BEDROCK_VERSIONS, PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS, VERTEX_VERSIONS } from './version.js';
export type { Instrumented, ManualOptions };
export type AnthropicInstrumentationConfig = ProviderInstrumentationConfig;

/**
 * Patches `@anthropic-ai/sdk` and `@anthropic-ai/vertex-sdk` when they are loaded, through `require` or
 * `import` (the ESM loader hook must be registered; `@promptscope/register` does it). For bundled apps, see
 * {@link instrument}.
 */
export class AnthropicInstrumentation extends ProviderInstrumentation {
  static override spec = ANTHROPIC;
  static override moreSpecs = [VERTEX, BEDROCK];
}

/**
 * Instruments a module object you imported yourself, for bundled apps: `@anthropic-ai/sdk`
 * (`import Anthropic from '@anthropic-ai/sdk'; instrument(Anthropic);`) or `@anthropic-ai/vertex-sdk`
 * (`instrument(AnthropicVertex)`) or `@anthropic-ai/bedrock-sdk` (`instrument(AnthropicBedrock)`), or their
 * namespaces. The SDK is told by its client class's name.
 */
export function instrument(anthropicModule: unknown, options: ManualOptions = {}): Instrumented {
  return manualInstrument(specOf(anthropicModule), anthropicModule, options);
}

function specOf(moduleExports: unknown): ProviderSpec {
  const m = moduleExports as Record<string, unknown> | undefined;
  const names = [m, m?.default].map((c) => (typeof c === 'function' ? c.name : undefined));
  if (m?.AnthropicVertex !== undefined || names.includes('AnthropicVertex')) return VERTEX;
  if (m?.AnthropicBedrock !== undefined || names.includes('AnthropicBedrock')) return BEDROCK;
  return ANTHROPIC;
}
