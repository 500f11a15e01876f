#!/usr/bin/env node
// Overhead benchmark: promptscope vs the other OpenAI (and Anthropic) instrumentations, against a baseline.
//   node bench/run.mjs            default run (3 interleaved rounds + the 100 000-call heap run for
//                                 baseline and promptscope); writes bench/RESULTS.md
//   node bench/run.mjs --quick    smoke run: few calls, 1 round, short long-run (figures meaningless)
//   node bench/run.mjs --long     also runs the 100 000-call heap run for the other instrumentations
//   --rounds N   --out PATH   --variants a,b   --transports inproc,loopback   --workloads plain,stream,...
//   --no-long (skip the heap run)   --no-ambient (calls run with no active OTel context; see child.mjs)
// Every (variant × workload × transport) runs in a fresh `node --expose-gc` child (bench/child.mjs).
// bench/node_modules is installed here on first use, and again when bench/package.json, the lockfile or
// the built promptscope packages change (stamp in bench/node_modules/.bench-stamp).
// Needs the workspace packages built (`npm run build`).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkedInstallStamp } from '../scripts/lib/linked-install.mjs';
import { BENCH, LINKED, LONG_CALLS, NM, ROOT, STAMP, TRANSPORTS, VARIANTS } from './config.mjs';
import { report } from './report.mjs';

export { VARIANTS };

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const a = { quick: false, long: false, rounds: undefined, out: join(BENCH, 'RESULTS.md') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--long') a.long = true;
    else if (k === '--rounds') a.rounds = Number(next());
    else if (k === '--out') a.out = resolve(next());
    else if (k === '--variants') a.variants = next().split(',');
    else if (k === '--transports') a.transports = next().split(',');
    else if (k === '--workloads') a.workloads = next().split(',');
    else if (k === '--no-long') a.noLong = true;
    else if (k === '--no-ambient') a.ambient = false;
    else if (k === '-h' || k === '--help') {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 12)
          .join('\n'),
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

// ---------------------------------------------------------------- install
function stamp() {
  return linkedInstallStamp(BENCH, LINKED);
}

function exec(cmd, args, opts = {}) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (e) => res({ code: -1, out, err: `${err}\n${e.message}` }));
    child.on('close', (code) => res({ code: code ?? -1, out, err }));
  });
}

async function ensureInstall() {
  for (const pkg of LINKED) {
    if (!existsSync(join(ROOT, 'packages', pkg, 'dist', 'index.js'))) {
      throw new Error(`packages/${pkg}/dist is missing: run \`npm run build\` first`);
    }
  }
  const want = stamp();
  const have = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : '';
  if (have === want && existsSync(join(NM, 'openai')) && existsSync(join(NM, '@anthropic-ai', 'sdk'))) return false;
  log('installing bench/node_modules (npm install --prefix bench --install-links) ...');
  // Copies of the linked packages go stale when their dist changes; npm keeps same-version copies.
  rmSync(join(NM, '@promptscope'), { recursive: true, force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // --install-links copies the file: packages like a registry install, so their dependencies resolve
  // inside bench/node_modules (as scripts/install-runtimes.mjs does for the otel3 fixture).
  const r = await exec(
    npm,
    ['install', '--prefix', BENCH, '--install-links', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: ROOT },
  );
  if (
    r.code !== 0 ||
    !existsSync(join(NM, '@promptscope', 'instrumentation-openai', 'dist')) ||
    !existsSync(join(NM, '@promptscope', 'instrumentation-anthropic', 'dist'))
  ) {
    throw new Error(`npm install in bench/ failed (exit ${r.code}):\n${r.out}\n${r.err}`);
  }
  writeFileSync(STAMP, `${stamp()}\n`); // after the install: it may have rewritten the lockfile
  return true;
}

// ---------------------------------------------------------------- children
function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

function childEnv(capture) {
  const env = {};
  // No OTEL_*/OPENINFERENCE_*/TRACELOOP_*/ANTHROPIC_* (e.g. ANTHROPIC_OPEN_TELEMETRY, ANTHROPIC_BASE_URL)
  // from the caller's shell may change what a variant does.
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(OTEL_|OPENINFERENCE_|TRACELOOP_|ANTHROPIC_|NODE_OPTIONS$)/.test(k)) env[k] = v;
  }
  // contrib reads its content switch only from here; promptscope's explicit option wins over it.
  env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = capture ? 'true' : 'false';
  return env;
}

export async function runChild(cfg, extraNodeArgs = []) {
  const r = await exec(
    process.execPath,
    ['--expose-gc', ...extraNodeArgs, join(BENCH, 'child.mjs'), JSON.stringify(cfg)],
    {
      cwd: BENCH,
      env: childEnv(cfg.workload.capture),
    },
  );
  const line = r.out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) {
    return {
      variant: cfg.variant,
      workload: cfg.workload.name,
      transport: cfg.transport,
      error: `child exited ${r.code} without a result:\n${(r.err || r.out).trim().split('\n').slice(0, 12).join('\n')}`,
    };
  }
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

async function startServer() {
  const child = spawn(process.execPath, [join(BENCH, 'server.mjs')], {
    cwd: BENCH,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise((res, rej) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /BENCH_SERVER (\S+)/.exec(buf);
      if (m) res(m[1]);
    });
    child.on('exit', (code) => rej(new Error(`fake provider exited ${code}`)));
  });
  return { url, stop: () => child.stdin.end() };
}

// ---------------------------------------------------------------- main
async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const load0 = os.loadavg();
  const { WORKLOADS, CHUNKS, applicable } = await import('./workloads.mjs');
  const installed = await ensureInstall();
  const variants = args.variants ?? VARIANTS;
  if (!variants.includes('baseline')) variants.unshift('baseline');
  const transports = args.transports ?? TRANSPORTS;
  const workloads = WORKLOADS.filter((w) => !args.workloads || args.workloads.includes(w.name));
  const rounds = args.rounds ?? (args.quick ? 1 : 5);
  const warmup = args.quick ? 20 : 300;
  // Calls per child: enough for stable medians, small enough that a default run takes a few minutes.
  const calls = (w, t) => {
    if (args.quick) return w.stream ? 50 : 200;
    const base =
      { plain: 3000, stream: 600, prompt4k: 2000, 'anthropic-plain': 3000, 'anthropic-stream': 600 }[w.kind] ?? 1000;
    return t === 'loopback' ? Math.round(base / 2) : base;
  };

  const server = transports.includes('loopback') ? await startServer() : undefined;
  const results = []; // every child's result, with its round
  const failures = [];
  try {
    for (let round = 0; round < rounds; round++) {
      // Interleaved: every variant once per round; the variant order rotates so none always runs first.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const transport of transports) {
        for (const workload of workloads) {
          for (const variant of order) {
            if (!applicable(variant, workload)) continue; // reported as n/a
            const cfg = {
              variant,
              workload,
              transport,
              url: server?.url,
              warmup,
              calls: calls(workload, transport),
              ambient: args.ambient,
            };
            const r = await runChild(cfg);
            r.round = round;
            results.push(r);
            if (r.error) failures.push(r);
            log(
              `r${round + 1} ${transport} ${workload.name} ${variant}: ` +
                (r.error
                  ? `FAILED ${r.error.split('\n')[0]}`
                  : `wall ${r.wallMedianUs?.toFixed(0)} µs, cpu ${r.cpuUs?.toFixed(0)} µs, spans/call ${r.spansPerCall}`),
            );
          }
        }
      }
    }
  } finally {
    server?.stop();
  }

  // Long run: plain calls, in-process, heap after GC sampled along the way.
  const longVariants = args.noLong
    ? []
    : args.long
      ? variants
      : variants.filter((v) => v === 'baseline' || v === 'promptscope');
  const longCalls = args.quick ? 2000 : LONG_CALLS;
  const longRuns = [];
  // OpenAI plain calls for every long variant; Anthropic plain calls for promptscope (and the others with --long).
  const longPlans = longVariants.map((variant) => ({ variant, workload: WORKLOADS[0] }));
  const anthropicPlain = WORKLOADS.find((w) => w.name === 'anthropic-plain');
  if (anthropicPlain && workloads.includes(anthropicPlain)) {
    for (const variant of longVariants) {
      if (variant !== 'baseline' && applicable(variant, anthropicPlain))
        longPlans.push({ variant, workload: anthropicPlain });
    }
  }
  for (const { variant, workload } of longPlans) {
    const r = await runChild({
      variant,
      mode: 'long',
      workload,
      transport: 'inproc',
      warmup: args.quick ? 20 : 1000,
      ambient: args.ambient,
      calls: longCalls,
      sampleEvery: longCalls / 10,
    });
    r.workload = workload.name;
    longRuns.push(r);
    if (r.error) failures.push(r);
    log(
      `long ${variant} ${workload.name}: ${r.error ? `FAILED ${r.error.split('\n')[0]}` : `${r.seconds?.toFixed(1)} s`}`,
    );
  }

  const seconds = (Date.now() - started) / 1000;
  const md = report({
    args,
    results,
    longRuns,
    failures,
    variants,
    transports,
    workloads,
    rounds,
    warmup,
    calls,
    CHUNKS,
    applicable,
    seconds,
    load0,
    load1: os.loadavg(),
    installed,
  });
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, md);
  log(`wrote ${relative(process.cwd(), args.out) || args.out} in ${seconds.toFixed(0)} s`);
  if (failures.length > 0) {
    log(`${failures.length} measurement(s) failed`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
