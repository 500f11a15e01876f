export const PACKAGE_NAME = '@promptscope/instrumentation-anthropic';
export const PACKAGE_VERSION = '0.1.0';
/** The `@anthropic-ai/sdk` versions this package is tested against (0.39 to 1.x). */
export const SUPPORTED_VERSIONS = '>=0.39.0 <2';
/** The `@anthropic-ai/vertex-sdk` versions tested (0.22 on `@anthropic-ai/sdk` 0.137, 1.1 on 1.x). */
export const VERTEX_VERSIONS = '>=0.22.0 <2';
/** The `@anthropic-ai/bedrock-sdk` versions tested (0.36 and 1.x). */
export const BEDROCK_VERSIONS = '>=0.36.0 <2';
