// The programmatic API without side effects: `import { start } from '@promptscope/register/api'`.
export {
  type Env,
  type OtlpProtocol,
  REGISTER_DEFAULTS,
  REGISTER_ENV,
  type RegisterSettings,
  readSettings,
  type SdkMode,
} from './env.js';
export { HOOKED_MODULES, registerLoaderHook } from './loader.js';
export { current, type RegisterMode, type Registration, type StartOptions, start } from './start.js';
