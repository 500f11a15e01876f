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
      { find: /^@promptscope\/testing\/contract$/, replacement: src('testing', 'contract') },
      { find: /^@promptscope\/instrumentation-openai$/, replacement: src('instrumentation-openai') },
      { find: /^@promptscope\/instrumentation-anthropic$/, replacement: src('instrumentation-anthropic') },
      { find: /^@promptscope\/instrumentation-google-genai$/, replacement: src('instrumentation-google-genai') },
      { find: /^@promptscope\/instrumentation-bedrock$/, replacement: src('instrumentation-bedrock') },
      { find: /^@promptscope\/instrumentation-mistral$/, replacement: src('instrumentation-mistral') },
      { find: /^@promptscope\/ai-sdk$/, replacement: src('ai-sdk') },
      { find: /^@promptscope\/prompts$/, replacement: src('prompts') },
      { find: /^@promptscope\/eval$/, replacement: src('eval') },
      { find: /^@promptscope\/cli$/, replacement: src('cli') },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share global OTel providers per file; files run in separate workers.
    pool: 'forks',
    // Two groups, one after the other. First every test that runs in its own process and on its own ports,
    // two files at a time (Vitest would leave one of CI's two cores idle). Then the native stack, the fault
    // campaign and the benchmarks, one file at a time on a quiet machine: they bind the stack's fixed ports,
    // and their timings (gaps between samples, overhead ratios) must not share the CPU with other tests.
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: [
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'tests/*/test/**/*.test.ts',
            'grafana-dashboards/test/**/*.test.ts',
            'alerting/test/**/*.test.ts',
            'collector-config/test/**/*.test.ts',
            'scripts/test/**/*.test.ts',
          ],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'stack',
          include: ['stack/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
