export const PACKAGE_NAME = '@promptscope/instrumentation-bedrock';
export const PACKAGE_VERSION = '0.1.0';
/** The `@aws-sdk/client-bedrock-runtime` versions this package is tested against (3.600 and 3.1178). */
export const SUPPORTED_VERSIONS = '>=3.600.0 <4';
