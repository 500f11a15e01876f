import * as nodeModule from 'node:module';
import { HOOKED_MODULES } from './instrumentations.js';

export { HOOKED_MODULES };

let registered = false;

/**
 * Registers import-in-the-middle's ESM loader hook (off-thread, `module.register`), limited to the
 * modules we instrument. Must run before the app's own imports are linked, i.e. from `--import` or `-r`.
 * `parentURL` is the URL the hook specifier is resolved from (our own module). Returns false, with one
 * warning, when the running Node has no `module.register` (< 20.6) or registration fails; CJS `require`
 * is still instrumented then, `import` is not.
 */
export function registerLoaderHook(parentURL: string): boolean {
  if (registered) return true;
  const register = (nodeModule as { register?: typeof nodeModule.register }).register;
  if (typeof register !== 'function') {
    process.emitWarning(
      `@promptscope/register: this Node.js (${process.version}) has no module.register, so SDKs loaded through ` +
        'import or import() are not instrumented (require is); use Node.js 20.6 or newer.',
      { code: 'PROMPTSCOPE_REGISTER' },
    );
    return false;
  }
  try {
    register('import-in-the-middle/hook.mjs', parentURL, { data: { include: [...HOOKED_MODULES] } });
    registered = true;
    return true;
  } catch (err) {
    process.emitWarning(
      `@promptscope/register: could not register the ESM loader hook (${err instanceof Error ? err.message : String(err)}); ` +
        'SDKs loaded through import will not be instrumented.',
      { code: 'PROMPTSCOPE_REGISTER' },
    );
    return false;
  }
}
