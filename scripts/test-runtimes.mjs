#!/usr/bin/env node
// The runtime matrix, run last by `npm test` (after `vitest run` on the machine's Node 20):
//   Node 22 and Node 24 (from .runtimes/, see install-runtimes.mjs) ×
//     vitest           packages/instrumentation-openai, register, core: openai v4–v7 on the OTel 2.x line
//     otel3-sdk        test-runtimes/otel3: the app's own NodeSDK 3.x registers new OpenAIInstrumentation()
//     otel3-producer   the same, with promptscopeMetricProducer() on the app's 3.x reader
//     otel3-manual     instrument(OpenAI, { tracerProvider, meterProvider }) with OTel 3.x providers
//     otel3-register   --import ./own-sdk.mjs --import @promptscope/register (app-owned 3.x SDK)
// Suites run one after another (CI has 2 cores; vitest uses both). Logs: .runtimes/logs/<runtime>-<suite>.log.
// PROMPTSCOPE_SKIP_RUNTIMES=1 skips everything (quick local runs only; CI must not set it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureNode, ensureOtel3, exec, MAJORS, OTEL3_DIR, ROOT, RUNTIMES_DIR } from './install-runtimes.mjs';

if (process.env.PROMPTSCOPE_SKIP_RUNTIMES === '1') {
  console.log(
    'test-runtimes: runtime matrix skipped (PROMPTSCOPE_SKIP_RUNTIMES=1); Node 22/24 and OTel 3.x were NOT tested',
  );
  process.exit(0);
}

const t0 = performance.now();
const secs = (from) => ((performance.now() - from) / 1000).toFixed(1);
const LOG_DIR = join(RUNTIMES_DIR, 'logs');
mkdirSync(LOG_DIR, { recursive: true });

/** OTel 3.x needs Node >= 22.15 (its engines field). */
function supportsOtel3(version) {
  const [maj, min] = version.slice(1).split('.').map(Number);
  return maj > 22 || (maj === 22 && min >= 15);
}

/** The environment without settings that would change what the suites see. */
function cleanEnv() {
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const k of Object.keys(env)) {
    if (/^(OTEL_|PROMPTSCOPE_|OPENAI_|NODE_OPTIONS$|VITEST)/.test(k)) delete env[k];
  }
  return env;
}

const VITEST_DIRS = ['packages/instrumentation-openai', 'packages/register', 'packages/core', 'packages/ai-sdk'];
const suites = [
  {
    name: 'vitest',
    what: 'openai v4-v7, OTel 2.x (instrumentation-openai, register, core)',
    cwd: ROOT,
    args: [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...VITEST_DIRS],
    timeoutMs: 600_000,
    counts: (out) => {
      const m = /^\s*Tests\s+(.*)$/m.exec(out);
      return m ? m[1].replace(/\s*\(\d+\)\s*$/, '').trim() : '';
    },
  },
  ...[
    ['sdk', [], 'OTel 3.x NodeSDK + OpenAIInstrumentation, openai 7'],
    ['producer', [], 'OTel 3.x NodeSDK + OpenAIInstrumentation + promptscopeMetricProducer, openai 7'],
    ['manual', [], 'OTel 3.x providers + instrument(OpenAI), openai 7'],
    [
      'register',
      ['--import', './own-sdk.mjs', '--import', '@promptscope/register'],
      'app-owned OTel 3.x SDK + --import register',
    ],
  ].map(([mode, pre, what]) => ({
    name: `otel3-${mode}`,
    what,
    otel3: true,
    cwd: OTEL3_DIR,
    args: [...pre, '--test-reporter=spec', 'check.mjs', mode],
    timeoutMs: 120_000,
    counts: (out) => {
      const pass = /ℹ pass (\d+)/.exec(out)?.[1];
      const fail = /ℹ fail (\d+)/.exec(out)?.[1];
      return pass === undefined ? '' : `${pass} tests pass, ${fail ?? 0} fail`;
    },
  })),
];

const results = []; // { runtime, suite, ok, seconds, detail }
function record(runtime, suite, ok, seconds, detail, out) {
  results.push({ runtime, suite, ok, seconds, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${runtime}  ${suite}  (${seconds}s)${detail ? `  ${detail}` : ''}`);
  if (!ok && out) {
    const lines = out.trimEnd().split('\n');
    console.log(`---- last ${Math.min(lines.length, 120)} lines of ${runtime} ${suite} ----`);
    console.log(lines.slice(-120).join('\n'));
    console.log('----');
  }
}

// 1. Runtimes and the OTel 3.x fixture (reused when present).
const tSetup = performance.now();
const nodes = await Promise.allSettled(MAJORS.map(ensureNode));
let otel3Error;
try {
  const o = await ensureOtel3();
  console.log(`test-runtimes: otel3 fixture ${o.installed ? 'installed' : 'reused'}`);
} catch (err) {
  otel3Error = err.message;
}
for (const [i, n] of nodes.entries()) {
  if (n.status === 'fulfilled') {
    console.log(
      `test-runtimes: node ${n.value.version} ${n.value.installed ? 'installed' : 'reused'} (${relative(ROOT, n.value.bin)})`,
    );
  } else {
    console.log(`test-runtimes: node ${MAJORS[i]} unavailable: ${n.reason.message}`);
  }
}
console.log(`test-runtimes: setup ${secs(tSetup)}s`);

// 2. The matrix.
const env = cleanEnv();
for (const [i, n] of nodes.entries()) {
  const runtime = n.status === 'fulfilled' ? `node${n.value.version.slice(1)}` : `node${MAJORS[i]}`;
  for (const suite of suites) {
    if (n.status !== 'fulfilled') {
      record(runtime, suite.name, false, '0.0', 'runtime could not be installed');
      continue;
    }
    if (suite.otel3 && otel3Error) {
      record(runtime, suite.name, false, '0.0', 'fixture install failed', otel3Error);
      continue;
    }
    if (suite.otel3 && !supportsOtel3(n.value.version)) {
      record(runtime, suite.name, false, '0.0', `OTel 3.x needs Node >= 22.15, got ${n.value.version}`);
      continue;
    }
    const t = performance.now();
    console.log(`test-runtimes: running ${suite.name} on ${runtime} ...`);
    const r = await exec(n.value.bin, suite.args, { cwd: suite.cwd, env, timeoutMs: suite.timeoutMs });
    const log = join(LOG_DIR, `${runtime}-${suite.name}.log`);
    writeFileSync(log, r.out);
    const counts = suite.counts(r.out);
    const ok = r.code === 0;
    record(
      runtime,
      suite.name,
      ok,
      secs(t),
      `${counts || `exit ${r.code}`}  [${relative(ROOT, log)}]`,
      ok ? '' : r.out,
    );
  }
}

// 3. Summary.
const rows = [
  ['runtime', 'suite', 'result', 'time', 'tests'],
  ...results.map((r) => [
    r.runtime,
    r.suite,
    r.ok ? 'pass' : 'FAIL',
    `${r.seconds}s`,
    (r.detail ?? '').replace(/\s*\[.*\]$/, ''),
  ]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
const line = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
console.log('\nRuntime matrix (suites; OTel 2.x via the root install, OTel 3.x via test-runtimes/otel3):');
console.log(line(rows[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows.slice(1)) console.log(line(row));
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`test-runtimes: total ${secs(t0)}s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
