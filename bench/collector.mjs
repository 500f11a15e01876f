#!/usr/bin/env node
// Capacity of one gateway core: spans per second a collector sustains with promptscope's gateway pipeline
// (collector-config/gateway.yaml: memory limiter, content removal, key masking, span metrics, tail sampling, the
// persistent Jaeger queue) against the same collector binary with an empty pipeline (OTLP in, OTLP out), measured
// in the same run, interleaved, each on one pinned core (taskset, GOMAXPROCS=1). Load comes from the collector
// project's own generator, telemetrygen, built from its Go module (bench/telemetrygen, a tool module).
//
//   node bench/collector.mjs                 3 rounds of 20 s per pipeline; writes bench/COLLECTOR.md
//   node bench/collector.mjs --quick         1 round of 4 s (the smoke test; figures meaningless)
//   --rounds N   --seconds S   --out PATH
//
// A span counts when the collector under test accepted it (otelcol_receiver_accepted_spans); its CPU is read from
// /proc/<pid>/stat over the same window. spans per CPU-second is the capacity figure; the ratio to the empty pipeline
// says what the pipeline costs. Refused spans (memory limiter) are reported: a run that refuses is over capacity.
// Exports go to a sink collector (debug exporter) and a remote-write sink on loopback, both on the other core.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCollector, CONFIGS } from '../collector-config/build.mjs';
import { freePort } from '../packages/testing/dist/index.js';
import { buildGoTool } from '../stack/lib/go-tool.mjs';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
export const TELEMETRYGEN = {
  name: 'telemetrygen',
  version: 'v0.161.0',
  moduleDir: join(BENCH, 'telemetrygen'),
  pkg: 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen',
};
const EMPTY_CONFIG = join(BENCH, 'collector-empty.yaml');
const SINK_CONFIG = join(BENCH, 'collector-sink.yaml');
/**
 * The offered load: 16 workers of 1 500 spans/s (24 000 spans/s). Throttled on purpose: unthrottled
 * (`--rate=0`) telemetrygen spends both cores generating spans its own SDK then drops, and offers less.
 */
const WORKERS = 16;
const RATE_PER_WORKER = 1500;
/** What telemetrygen's spans carry: the GenAI attributes span metrics group by. */
const ATTRIBUTES = [
  'gen_ai.operation.name="chat"',
  'gen_ai.provider.name="openai"',
  'gen_ai.request.model="gpt-4o-mini"',
  'gen_ai.prompt.name="support-reply"',
  'gen_ai.prompt.version="2"',
];

function parseArgs(argv) {
  const a = { quick: false, rounds: undefined, seconds: undefined, out: join(BENCH, 'COLLECTOR.md') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--quick') a.quick = true;
    else if (k === '--rounds') a.rounds = Number(argv[++i]);
    else if (k === '--seconds') a.seconds = Number(argv[++i]);
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`bench/collector.mjs: unknown option ${k} (see the header of this file)`);
  }
  return a;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `bin` pinned to `cpu`, waits for its health check. */
async function startCollector({ bin, configs, env, cpu, health, log }) {
  const child = spawn('taskset', ['-c', String(cpu), bin, ...configs.map((c) => `--config=${c}`)], {
    env: { ...process.env, GOMAXPROCS: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-8000);
  });
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector exited (${child.exitCode}):\n${err}`);
    try {
      const res = await fetch(`http://${health}/`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`collector not healthy at ${health}:\n${err}`);
    await sleep(100);
  }
  log?.(`started ${configs.map((c) => c.split('/').at(-1)).join(' + ')} pid ${child.pid} on cpu ${cpu}`);
  return {
    pid: /** @type {number} */ (child.pid),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat), in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function selfMetric(url, name) {
  const text = await (await fetch(url)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) total += Number(m[3]);
  }
  return total;
}

/** telemetrygen on `cpu`, unthrottled, for `seconds`. */
function load({ bin, endpoint, seconds, cpu }) {
  const args = [
    '-c',
    String(cpu),
    bin,
    'traces',
    `--otlp-endpoint=${endpoint}`,
    '--otlp-insecure',
    `--workers=${WORKERS}`,
    `--rate=${RATE_PER_WORKER}`,
    `--duration=${seconds}s`,
    '--child-spans=3',
    '--service=bench-app',
    ...ATTRIBUTES.flatMap((a) => ['--telemetry-attributes', a]),
  ];
  const child = spawn('taskset', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-4000);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, err })));
}

/** One measurement of one pipeline: start it, load it, read accepted spans and CPU over the loaded window. */
async function measure({ pipeline, collector, telemetrygen, sinkOtlp, rwUrl, seconds, dir, log }) {
  const [grpc, health, metrics] = [await freePort(), await freePort(), await freePort()];
  const env = {
    PROMPTSCOPE_OTLP_GRPC_LISTEN: `127.0.0.1:${grpc}`,
    PROMPTSCOPE_HEALTH_CHECK_ENDPOINT: `127.0.0.1:${health}`,
    PROMPTSCOPE_COLLECTOR_METRICS_HOST: '127.0.0.1',
    PROMPTSCOPE_COLLECTOR_METRICS_PORT: String(metrics),
    PROMPTSCOPE_JAEGER_OTLP_ENDPOINT: sinkOtlp,
    PROMPTSCOPE_BENCH_SINK: sinkOtlp,
    PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: rwUrl,
    PROMPTSCOPE_QUEUE_DIR: join(dir, `queue-${pipeline}-${grpc}`),
    PROMPTSCOPE_COLLECTOR_LOG_LEVEL: 'warn',
  };
  const c = await startCollector({
    bin: collector,
    configs: [pipeline === 'gateway' ? CONFIGS.gateway : EMPTY_CONFIG],
    env,
    cpu: 1,
    health: env.PROMPTSCOPE_HEALTH_CHECK_ENDPOINT,
    log,
  });
  const metricsUrl = `http://127.0.0.1:${metrics}/metrics`;
  try {
    const running = load({ bin: telemetrygen, endpoint: `127.0.0.1:${grpc}`, seconds: seconds + 2, cpu: 0 });
    // 1 s of warm-up, then the window
    await sleep(1000);
    const a0 = await selfMetric(metricsUrl, 'otelcol_receiver_accepted_spans');
    const r0 = await selfMetric(metricsUrl, 'otelcol_receiver_refused_spans');
    const c0 = cpuSeconds(c.pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const a1 = await selfMetric(metricsUrl, 'otelcol_receiver_accepted_spans');
    const r1 = await selfMetric(metricsUrl, 'otelcol_receiver_refused_spans');
    const c1 = cpuSeconds(c.pid);
    const wall = (performance.now() - t0) / 1000;
    const rss = rssMiB(c.pid);
    const gen = await running;
    const accepted = a1 - a0;
    const cpu = c1 - c0;
    return {
      pipeline,
      accepted,
      refused: r1 - r0,
      wall,
      cpu,
      perSecond: accepted / wall,
      perCpuSecond: accepted / cpu,
      rss,
      generator: gen.code,
    };
  } finally {
    await c.stop();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

export async function main(argv = process.argv.slice(2)) {
  const args = parseArgs(argv);
  if (os.cpus().length < 2)
    throw new Error('bench/collector.mjs pins the collector and the load to two different cores');
  const rounds = args.rounds ?? (args.quick ? 1 : 3);
  const seconds = args.seconds ?? (args.quick ? 4 : 20);
  const log = (l) => console.error(`[collector-bench] ${l}`);
  const [collector, telemetrygen] = await Promise.all([buildCollector({ log }), buildGoTool(TELEMETRYGEN, { log })]);
  const dir = mkdtempSync(join(os.tmpdir(), 'promptscope-collector-bench-'));
  // A remote-write sink that takes everything (span metrics every 15 s).
  const rw = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise((r) => rw.listen(0, '127.0.0.1', r));
  const rwUrl = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (rw.address()).port}/api/v1/write`;
  const [sinkGrpc, sinkHealth] = [await freePort(), await freePort()];
  const sink = await startCollector({
    bin: collector,
    configs: [SINK_CONFIG],
    env: {
      PROMPTSCOPE_OTLP_GRPC_LISTEN: `127.0.0.1:${sinkGrpc}`,
      PROMPTSCOPE_HEALTH_CHECK_ENDPOINT: `127.0.0.1:${sinkHealth}`,
    },
    cpu: 0,
    health: `127.0.0.1:${sinkHealth}`,
    log,
  });
  const loadStart = os.loadavg()[0];
  /** @type {Record<string, Awaited<ReturnType<typeof measure>>[]>} */
  const results = { empty: [], gateway: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const pipeline of r % 2 ? ['gateway', 'empty'] : ['empty', 'gateway']) {
        const m = await measure({
          pipeline,
          collector,
          telemetrygen,
          sinkOtlp: `127.0.0.1:${sinkGrpc}`,
          rwUrl,
          seconds,
          dir,
          log,
        });
        log(
          `round ${r + 1} ${pipeline}: ${fmt(m.perSecond)} spans/s, ${m.cpu.toFixed(2)} CPU-s over ${m.wall.toFixed(1)} s, refused ${m.refused}`,
        );
        results[pipeline].push(m);
      }
    }
  } finally {
    await sink.stop();
    await new Promise((r) => rw.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
  const md = report({ args, rounds, seconds, results, loadStart, loadEnd: os.loadavg()[0] });
  writeFileSync(args.out, md);
  log(`wrote ${args.out}`);
  return { results, md };
}

function report({ args, rounds, seconds, results, loadStart, loadEnd }) {
  const row = (name, label) => {
    const ms = results[name];
    return `| ${label} | ${fmt(median(ms.map((m) => m.perCpuSecond)))} | ${fmt(median(ms.map((m) => m.perSecond)))} | ${median(ms.map((m) => m.cpu / m.wall)).toFixed(2)} | ${fmt(median(ms.map((m) => m.refused)))} | ${median(ms.map((m) => m.rss)).toFixed(0)} |`;
  };
  const ours = median(results.gateway.map((m) => m.perCpuSecond));
  const empty = median(results.empty.map((m) => m.perCpuSecond));
  const p = [];
  p.push('# Collector capacity: one gateway core');
  p.push('');
  p.push('Written by `node bench/collector.mjs` (see its header). Do not edit: run it again.');
  if (args.quick) p.push('\n**Smoke run (`--quick`): too short for the figures to mean anything.**');
  p.push('');
  p.push('## Machine and run');
  p.push('');
  p.push(
    `- ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
  );
  p.push(`- collector: collector-config/distribution (core v0.161.0, contrib v0.161.0), GOMAXPROCS=1, pinned to cpu 1`);
  p.push(
    `- load: telemetrygen v0.161.0 traces, ${WORKERS} workers × ${RATE_PER_WORKER} spans/s offered, 1 root + 3 child spans per trace, GenAI attributes, pinned to cpu 0 with the sinks`,
  );
  p.push(`- ${rounds} interleaved round(s) of ${seconds} s per pipeline after 1 s of warm-up; medians`);
  p.push(`- load average ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end`);
  p.push('');
  p.push('## Results');
  p.push('');
  p.push('| pipeline | spans per CPU-second | spans/s accepted | CPU used (cores) | refused spans | RSS MiB |');
  p.push('|---|---|---|---|---|---|');
  p.push(row('empty', 'empty (OTLP in -> OTLP out, the baseline)'));
  p.push(row('gateway', 'promptscope gateway.yaml (redaction, span metrics, tail sampling, persistent queue)'));
  p.push('');
  p.push(
    `**Ratio: the gateway pipeline sustains ${(ours / empty).toFixed(2)} × the empty pipeline's spans per CPU-second** (${fmt(ours)} against ${fmt(empty)}).`,
  );
  p.push('');
  p.push('Per round:');
  p.push('');
  p.push('| round | pipeline | spans/s | CPU-s | wall s | refused | telemetrygen exit |');
  p.push('|---|---|---|---|---|---|---|');
  for (const name of ['empty', 'gateway'])
    for (const [i, m] of results[name].entries())
      p.push(
        `| ${i + 1} | ${name} | ${fmt(m.perSecond)} | ${m.cpu.toFixed(2)} | ${m.wall.toFixed(1)} | ${m.refused} | ${m.generator} |`,
      );
  p.push('');
  return `${p.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
