import { defineConfig } from 'tsup';

// `index` is the programmatic runner (`run(argv)`); `bin` is the `promptscope` command (package.json "bin"
// points at the ESM build; the CJS copy of it is a by-product of building both entries in one pass).
export default defineConfig({
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  target: 'node20',
  sourcemap: true,
});
