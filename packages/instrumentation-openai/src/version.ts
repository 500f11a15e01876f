export const PACKAGE_NAME = '@promptscope/instrumentation-openai';
export const PACKAGE_VERSION = '0.1.0';
/** The `openai` majors this package is tested against. */
export const SUPPORTED_VERSIONS = '>=4.0.0 <8';
