/**
 * The side-effecting entry: `node --import @promptscope/register app.mjs` (ESM build) or
 * `node -r @promptscope/register app.cjs` (CJS build). Both register the ESM loader hook (limited to the
 * SDK modules we instrument) and start; `require` is hooked by require-in-the-middle either way. The CJS
 * build registers the hook too because a CommonJS app can still load an SDK with `import()` (CJS builds
 * that depend on ESM-only packages do), and only the loader hook sees that. Configuration comes from the
 * environment; see README. Use `@promptscope/register/api` to call `start()` yourself without this side
 * effect.
 */
import { start } from './start.js';

export * from './api.js';

// In the CJS build, tsup's shim gives `import.meta.url` the file URL of this file.
export const registration = start({ loaderHookParentUrl: import.meta.url });
