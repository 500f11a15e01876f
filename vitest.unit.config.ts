// `npm run test:unit`: the fast path. Every test that needs nothing beyond `npm ci`: no root, no Go builds,
// no Debian packages (promtool, Prometheus, docker-compose, chromium), no stack, no bench install, and no package build
// (the process tests spawn the built packages; they run in `npm test`, which CI runs).
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // One flat run of its own include list, not the full suite's two groups.
    projects: undefined,
    pool: 'threads',
    // Vitest leaves a core free by default; on a 2-core machine that halves the fast path. The tests wait on
    // sockets and timers as much as they compute, so two files per core keep both busy.
    maxWorkers: Math.max(4, 2 * availableParallelism()),
    // The provider contract families on the oldest and the newest line of each SDK; `npm test` runs every line.
    env: { PROMPTSCOPE_CONTRACT_MAJORS: 'edges' },
    // Warm runs reuse the transformed modules Vitest keeps on disk.
    experimental: { fsModuleCache: true },
    include: [
      'packages/*/test/**/*.test.ts',
      'tests/*/test/**/*.test.ts',
      'grafana-dashboards/test/metric-names.test.ts',
      'scripts/test/**/*.test.ts',
    ],
    exclude: [
      ...configDefaults.exclude,
      // Spawn the built CLI, register hook or feedback package.
      'packages/cli/test/{cli,gate,label,replay,rollback}.test.ts',
      'packages/feedback/test/process.test.ts',
      'packages/register/test/process.test.ts',
      // Run framework apps under the built register hook.
      'tests/frameworks/test/**/*.test.ts',
      // Opens the replay report in Debian's chromium.
      'packages/eval/test/replay-html.test.ts',
    ],
  },
});
