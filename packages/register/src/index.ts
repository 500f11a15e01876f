/**
 * The side-effecting entry: `node --import @promptscope/register app.mjs` (ESM build: registers the ESM
 * loader hook, limited to `openai`, then starts) or `node -r @promptscope/register app.cjs` (CJS build:
 * `require` is hooked by require-in-the-middle). Configuration comes from the environment; see README.
 * Use `@promptscope/register/api` to call `start()` yourself without this side effect.
 */
import { start } from './start.js';

declare const __PROMPTSCOPE_ESM__: boolean;

export * from './api.js';

// Replaced at build time (tsup.config.ts); `typeof` keeps an unbuilt run (e.g. a test importing src) working.
const isEsmBuild = typeof __PROMPTSCOPE_ESM__ === 'boolean' ? __PROMPTSCOPE_ESM__ : false;

export const registration = start({ loaderHookParentUrl: isEsmBuild ? import.meta.url : undefined });
