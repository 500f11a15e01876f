// `@promptscope/ai-sdk`: promptscope's cost, prompt version, user segment, TTFT, metrics and feedback
// tokens on the Vercel AI SDK 7's own GenAI spans. See telemetry.ts for the mechanism and why.
import { type PromptscopeAiSdkOptions, PromptscopeTelemetry } from './telemetry.js';

export { completionOf } from './completions.js';
export { type PromptscopeAiSdkOptions, PromptscopeTelemetry } from './telemetry.js';
export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';

/**
 * The AI SDK telemetry integration to register instead of `new OpenTelemetry()` from `@ai-sdk/otel`:
 * `registerTelemetry(promptscopeTelemetry())`, or per call `telemetry: { integrations: promptscopeTelemetry() }`.
 * It creates that `OpenTelemetry` integration itself (options under `otel`) and enriches its spans.
 */
export function promptscopeTelemetry(options: PromptscopeAiSdkOptions = {}): PromptscopeTelemetry {
  return new PromptscopeTelemetry(options);
}
