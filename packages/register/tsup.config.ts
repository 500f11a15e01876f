import { defineConfig } from 'tsup';

// Two entries: `index` sets everything up when loaded (--import / -r); `api` only exports `start()`.
// `__PROMPTSCOPE_ESM__` tells the entry which build it is: only the ESM build registers the loader hook.
export default defineConfig({
  entry: ['src/index.ts', 'src/api.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  shims: true,
  esbuildOptions(options, context) {
    options.define = { ...options.define, __PROMPTSCOPE_ESM__: context.format === 'esm' ? 'true' : 'false' };
  },
});
