export { OpenAIInstrumentation, type OpenAIInstrumentationConfig } from './instrumentation.js';
export { instrument } from './manual.js';
export { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';
