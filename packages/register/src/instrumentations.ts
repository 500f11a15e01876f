/**
 * Every provider instrumentation the hook installs, and from them the modules its ESM loader hook
 * intercepts: one list, so a new provider cannot be instrumented for `require` and missed for `import`.
 */
import { AnthropicInstrumentation } from '@promptscope/instrumentation-anthropic';
import { BedrockInstrumentation } from '@promptscope/instrumentation-bedrock';
import { GoogleGenAIInstrumentation } from '@promptscope/instrumentation-google-genai';
import { MistralInstrumentation } from '@promptscope/instrumentation-mistral';
import { OpenAIInstrumentation, type OpenAIInstrumentationConfig } from '@promptscope/instrumentation-openai';

export const INSTRUMENTATIONS = [
  OpenAIInstrumentation,
  AnthropicInstrumentation,
  GoogleGenAIInstrumentation,
  BedrockInstrumentation,
  MistralInstrumentation,
] as const;

/** The modules the ESM loader hook intercepts; everything else is left untouched by it. */
export const HOOKED_MODULES: readonly string[] = INSTRUMENTATIONS.flatMap((c) =>
  [c.spec, ...c.moreSpecs].map((s) => s.moduleName),
);

export function createInstrumentations(config?: OpenAIInstrumentationConfig) {
  return INSTRUMENTATIONS.map((C) => new C(config));
}
