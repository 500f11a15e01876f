export const PACKAGE_NAME = '@promptscope/instrumentation-mistral';
export const PACKAGE_VERSION = '0.1.0';
/** The `@mistralai/mistralai` versions this package is tested against (1.15 and 2.5). */
export const SUPPORTED_VERSIONS = '>=1.0.0 <3';
