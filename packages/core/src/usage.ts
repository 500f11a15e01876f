/**
 * Token usage in the conventions' partition: `inputTokens` includes cached tokens (read and write),
 * `outputTokens` includes reasoning tokens. Providers map their own fields to this once, in their package.
 */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}
