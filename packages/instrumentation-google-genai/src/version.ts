export const PACKAGE_NAME = '@promptscope/instrumentation-google-genai';
export const PACKAGE_VERSION = '0.1.0';
/** The `@google/genai` versions this package is tested against (1.52, 2.32 and 3.3). */
export const SUPPORTED_VERSIONS = '>=1.0.0 <4';
