import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@promptscope/core': src('core'),
      '@promptscope/testing': src('testing'),
      '@promptscope/instrumentation-openai': src('instrumentation-openai'),
    },
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'grafana-dashboards/test/**/*.test.ts',
      'alerting/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share global OTel providers per file; files run in separate workers.
    pool: 'forks',
  },
});
