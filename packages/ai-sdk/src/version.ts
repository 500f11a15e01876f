export const PACKAGE_NAME = '@promptscope/ai-sdk';
export const PACKAGE_VERSION = '0.1.0';
/** The AI SDK lines this package enriches: `ai` 7 with its telemetry in `@ai-sdk/otel` 1. */
export const SUPPORTED_VERSIONS = { ai: '>=7.0.0 <8', '@ai-sdk/otel': '>=1.0.0 <2' } as const;
