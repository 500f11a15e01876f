import { defineConfig } from 'tsup';

// Two entries: `index` sets everything up when loaded (--import / -r); `api` only exports `start()`.
// `shims` gives the CJS build `import.meta.url`, from which `index` registers the ESM loader hook.
export default defineConfig({
  entry: ['src/index.ts', 'src/api.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  shims: true,
});
