export const PACKAGE_NAME = '@promptscope/instrumentation-anthropic';
export const PACKAGE_VERSION = '0.1.0';
/** The `@anthropic-ai/sdk` versions this package is tested against (0.39 to 1.x). */
export const SUPPORTED_VERSIONS = '>=0.39.0 <2';
