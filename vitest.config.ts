import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Exact matches: '@promptscope/testing' must not also catch '@promptscope/testing/vitest'.
    alias: [
      { find: /^@promptscope\/core$/, replacement: src('core') },
      { find: /^@promptscope\/core\/provider$/, replacement: src('core', 'provider-api') },
      { find: /^@promptscope\/feedback$/, replacement: src('feedback') },
      { find: /^@promptscope\/route$/, replacement: src('route') },
      { find: /^@promptscope\/testing$/, replacement: src('testing') },
      { find: /^@promptscope\/testing\/vitest$/, replacement: src('testing', 'vitest') },
      { find: /^@promptscope\/instrumentation-openai$/, replacement: src('instrumentation-openai') },
      { find: /^@promptscope\/instrumentation-anthropic$/, replacement: src('instrumentation-anthropic') },
      { find: /^@promptscope\/prompts$/, replacement: src('prompts') },
      { find: /^@promptscope\/eval$/, replacement: src('eval') },
      { find: /^@promptscope\/cli$/, replacement: src('cli') },
    ],
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'grafana-dashboards/test/**/*.test.ts',
      'alerting/test/**/*.test.ts',
      'collector-config/test/**/*.test.ts',
      'stack/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share global OTel providers per file; files run in separate workers.
    pool: 'forks',
  },
});
