/**
 * The AI SDK's provider ids and usage in promptscope's terms. Provider ids are `<provider>.<api>`
 * (`openai.chat`, `anthropic.messages`, `google.generative-ai`): the prefix decides the semconv name,
 * which is also what the price data is keyed by. Unknown prefixes pass through, so their cost is unknown.
 */
import { PROVIDER, type Usage } from '@promptscope/core/provider';

// Longest prefixes first: `google.vertex` before `google`, `azure-openai` before `azure`.
const PREFIXES: ReadonlyArray<[string, string]> = [
  ['google.vertex', PROVIDER.GCP_VERTEX_AI],
  ['google-vertex', PROVIDER.GCP_VERTEX_AI],
  ['google.generative-ai', PROVIDER.GCP_GEMINI],
  ['google', PROVIDER.GCP_GEMINI],
  ['amazon-bedrock', PROVIDER.AWS_BEDROCK],
  ['bedrock', PROVIDER.AWS_BEDROCK],
  ['azure-openai', PROVIDER.AZURE_OPENAI],
  ['anthropic', PROVIDER.ANTHROPIC],
  ['openai', PROVIDER.OPENAI],
  ['mistral', PROVIDER.MISTRAL_AI],
  ['groq', PROVIDER.GROQ],
  ['togetherai', PROVIDER.TOGETHER_AI],
];

export function providerName(aiSdkProvider: string): string {
  const lower = aiSdkProvider.toLowerCase();
  for (const [prefix, name] of PREFIXES) {
    if (lower === prefix || lower.startsWith(`${prefix}.`) || lower.startsWith(`${prefix}-`)) return name;
  }
  return aiSdkProvider;
}

/** The AI SDK's `LanguageModelUsage`, as far as we read it (its input total already includes cache tokens). */
export interface AiSdkUsage {
  inputTokens?: number;
  outputTokens?: number;
  inputTokenDetails?: { cacheReadTokens?: number; cacheWriteTokens?: number };
  outputTokenDetails?: { reasoningTokens?: number };
}

export function usageOf(u: AiSdkUsage | undefined): Usage | undefined {
  if (u === undefined || (u.inputTokens === undefined && u.outputTokens === undefined)) return undefined;
  const usage: Usage = {};
  if (u.inputTokens !== undefined) usage.inputTokens = u.inputTokens;
  if (u.outputTokens !== undefined) usage.outputTokens = u.outputTokens;
  const cacheRead = u.inputTokenDetails?.cacheReadTokens;
  const cacheWrite = u.inputTokenDetails?.cacheWriteTokens;
  const reasoning = u.outputTokenDetails?.reasoningTokens;
  if (cacheRead) usage.cacheReadTokens = cacheRead;
  if (cacheWrite) usage.cacheWriteTokens = cacheWrite;
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}
