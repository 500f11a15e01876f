/**
 * `up`, `down` and `status` of the native stack: the collector, Jaeger v2, Prometheus and Alertmanager as
 * processes on 127.0.0.1, tracked by pidfiles in the state directory.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildJaeger } from '../build-jaeger.mjs';
import { ADDR, writeConfigs } from './config.mjs';
import { check, ensureBackends } from './install.mjs';
import { layout, REPO_ROOT, STACK_DIR, stateDir } from './paths.mjs';
import { isAlive, portInUse, readPid, removePid, sleep, startProcess, stopProcess, tail } from './procs.mjs';

export const COLLECTOR_BUILD = join(REPO_ROOT, 'collector-config', 'build.mjs');
export const COLLECTOR_CONFIG = join(REPO_ROOT, 'collector-config', 'collector.yaml');
export const JAEGER_CONFIG = join(STACK_DIR, 'jaeger.yaml');

const port = (/** @type {string} */ a) => Number(a.split(':')[1]);

/**
 * The components in start order (backends first, the collector last); `down` goes in reverse so the
 * collector can still flush to the backends while it stops.
 * @typedef {{ name: string, ports: number[], health: string, address: string, timeoutMs: number }} Component
 * @type {Component[]}
 */
export const COMPONENTS = [
  {
    name: 'alertmanager',
    ports: [port(ADDR.alertmanager)],
    health: `http://${ADDR.alertmanager}/-/ready`,
    address: `http://${ADDR.alertmanager}`,
    timeoutMs: 30_000,
  },
  {
    name: 'prometheus',
    ports: [port(ADDR.prometheus)],
    health: `http://${ADDR.prometheus}/-/ready`,
    address: `http://${ADDR.prometheus}`,
    timeoutMs: 60_000,
  },
  {
    name: 'jaeger',
    ports: [
      ADDR.jaegerOtlpGrpc,
      ADDR.jaegerOtlpHttp,
      ADDR.jaegerQuery,
      ADDR.jaegerQueryGrpc,
      ADDR.jaegerHealth,
      ADDR.jaegerMetrics,
    ].map(port),
    health: `http://${ADDR.jaegerQuery}/api/services`,
    address: `http://${ADDR.jaegerQuery} (OTLP ${ADDR.jaegerOtlpGrpc} grpc, ${ADDR.jaegerOtlpHttp} http)`,
    timeoutMs: 30_000,
  },
  {
    name: 'collector',
    ports: [ADDR.collectorHttp, ADDR.collectorGrpc, ADDR.collectorHealth, ADDR.collectorMetrics].map(port),
    health: `http://${ADDR.collectorHealth}/`,
    address: `OTLP http://${ADDR.collectorHttp}, grpc ${ADDR.collectorGrpc}`,
    timeoutMs: 30_000,
  },
];

/**
 * @typedef {object} StackOptions
 * @property {(line: string) => void} [log]
 * @property {NodeJS.ProcessEnv} [env]
 */

/** @param {NodeJS.ProcessEnv} env */
function paths(env) {
  return layout(stateDir(env));
}

/** @param {string} url */
export async function healthy(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * @param {StackOptions} [opts]
 * @returns {Promise<{ name: string, pid?: number, alive: boolean, healthy: boolean, address: string, log: string }[]>}
 */
export async function status({ env = process.env } = {}) {
  const p = paths(env);
  return Promise.all(
    COMPONENTS.map(async (c) => {
      const rec = readPid(p.pids, c.name);
      const alive = isAlive(rec);
      return {
        name: c.name,
        pid: alive ? rec?.pid : undefined,
        alive,
        healthy: alive && (await healthy(c.health)),
        address: c.address,
        log: join(p.logs, `${c.name}.log`),
      };
    }),
  );
}

/** @param {Awaited<ReturnType<typeof status>>} rows */
export function formatStatus(rows) {
  const table = [
    ['component', 'pid', 'address', 'healthy'],
    ...rows.map((r) => [
      r.name,
      r.pid ? String(r.pid) : '-',
      r.address,
      r.alive ? (r.healthy ? 'yes' : 'NO') : 'not running',
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** @param {NodeJS.ProcessEnv} env */
export function readMeta(env = process.env) {
  try {
    return JSON.parse(readFileSync(paths(env).meta, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Builds or finds the collector binary through collector-config/build.mjs (PROMPTSCOPE_COLLECTOR_BIN overrides).
 * @param {{ log: (line: string) => void, env: NodeJS.ProcessEnv }} opts
 */
async function collectorBinary({ log, env }) {
  if (env.PROMPTSCOPE_COLLECTOR_BIN) return env.PROMPTSCOPE_COLLECTOR_BIN;
  if (!existsSync(COLLECTOR_BUILD)) throw new Error(`${COLLECTOR_BUILD} not found: it builds the collector`);
  const mod = await import(pathToFileURL(COLLECTOR_BUILD).href);
  if (typeof mod.buildCollector !== 'function') throw new Error(`${COLLECTOR_BUILD} does not export buildCollector()`);
  const started = Date.now();
  const bin = await mod.buildCollector({ log });
  log(`collector: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

/**
 * Starts whatever is not running. A no-op (that says so) when everything already is.
 * @param {StackOptions & { fast?: boolean }} [opts]
 */
export async function up({ fast = false, log = console.log, env = process.env } = {}) {
  const p = paths(env);
  const before = await status({ env });
  const meta = readMeta(env);
  if (before.every((r) => r.alive)) {
    const mode = meta?.fast ? 'fast' : 'production';
    log(`the stack is already up (${mode} settings; state in ${p.state}); nothing to do`);
    if (Boolean(meta?.fast) !== fast)
      log(`note: it runs with ${mode} settings; run down then up${fast ? ' --fast' : ''} to switch`);
    log(formatStatus(before));
    return { alreadyUp: true, rows: before };
  }
  const missing = COMPONENTS.filter((c) => !before.find((r) => r.name === c.name)?.alive);
  if (missing.length < COMPONENTS.length)
    log(
      `already running: ${before
        .filter((r) => r.alive)
        .map((r) => r.name)
        .join(', ')}; starting the rest`,
    );

  // Ports first: fail before any build when something else holds them.
  for (const c of missing) {
    for (const port of c.ports) {
      if (await portInUse(port)) {
        throw new Error(
          `port 127.0.0.1:${port} (${c.name}) is already in use by a process this stack did not start; stop it (e.g. a distro prometheus/alertmanager service) and retry`,
        );
      }
    }
  }

  const need = new Set(missing.map((c) => c.name));
  const t0 = Date.now();
  const backends = need.has('prometheus') || need.has('alertmanager') ? await ensureBackends({ log }) : undefined;
  const jaegerBin = need.has('jaeger') ? await buildJaeger({ log, env }) : undefined;
  const collectorBin = need.has('collector') ? await collectorBinary({ log, env }) : undefined;
  const collectorConfig = env.PROMPTSCOPE_COLLECTOR_CONFIG || COLLECTOR_CONFIG;
  if (need.has('collector') && !existsSync(collectorConfig)) throw new Error(`${collectorConfig} not found`);
  log(`binaries ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const cfg = await writeConfigs({ dir: p.config, fast });
  if (backends?.promtool) await check(backends.promtool, ['check', 'config', cfg.prometheusYml]);
  if (backends?.amtool) await check(backends.amtool, ['check-config', cfg.alertmanagerYml]);

  // --fast: fresh TSDB and silences so a test never sees an earlier run's data.
  if (fast) {
    if (need.has('prometheus')) rmSync(join(p.data, 'prometheus'), { recursive: true, force: true });
    if (need.has('alertmanager')) rmSync(join(p.data, 'alertmanager'), { recursive: true, force: true });
  }

  /** @type {Record<string, { bin: string, args: string[], env?: NodeJS.ProcessEnv }>} */
  const specs = {};
  if (backends) {
    specs.alertmanager = {
      bin: backends.alertmanager,
      args: [
        `--config.file=${cfg.alertmanagerYml}`,
        `--storage.path=${join(p.data, 'alertmanager')}`,
        `--web.listen-address=${ADDR.alertmanager}`,
        '--cluster.listen-address=',
      ],
    };
    specs.prometheus = {
      bin: backends.prometheus,
      args: [
        `--config.file=${cfg.prometheusYml}`,
        `--storage.tsdb.path=${join(p.data, 'prometheus')}`,
        `--web.listen-address=${ADDR.prometheus}`,
        '--web.enable-remote-write-receiver',
        '--enable-feature=exemplar-storage',
        '--web.enable-lifecycle',
        ...(fast ? ['--rules.alert.resend-delay=1s'] : []),
      ],
    };
  }
  if (jaegerBin) specs.jaeger = { bin: jaegerBin, args: [`--config=${JAEGER_CONFIG}`] };
  if (collectorBin) {
    specs.collector = {
      bin: collectorBin,
      args: [`--config=${collectorConfig}`],
      env: {
        ...env,
        PROMPTSCOPE_HEALTH_CHECK_ENDPOINT: ADDR.collectorHealth,
        PROMPTSCOPE_COLLECTOR_METRICS_HOST: ADDR.collectorMetrics.split(':')[0],
        PROMPTSCOPE_COLLECTOR_METRICS_PORT: ADDR.collectorMetrics.split(':')[1],
        PROMPTSCOPE_OTLP_HTTP_LISTEN: ADDR.collectorHttp,
        PROMPTSCOPE_OTLP_GRPC_LISTEN: ADDR.collectorGrpc,
        PROMPTSCOPE_JAEGER_OTLP_ENDPOINT: ADDR.jaegerOtlpGrpc,
        PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: `http://${ADDR.prometheus}/api/v1/write`,
        ...collectorFastEnv(fast, env),
      },
    };
  }

  /** @type {string[]} */
  const startedNow = [];
  try {
    for (const c of missing) {
      const spec = specs[c.name];
      const rec = startProcess({ name: c.name, ...spec, pidDir: p.pids, logDir: p.logs });
      startedNow.push(c.name);
      log(`${c.name}: started pid ${rec.pid}, waiting for ${c.health}`);
      const t = Date.now();
      await waitHealthy(c, rec);
      log(`${c.name}: healthy in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  } catch (err) {
    for (const name of startedNow.reverse()) {
      const rec = readPid(p.pids, name);
      if (rec) await stopProcess(rec, 5000).catch(() => {});
      removePid(p.pids, name);
    }
    throw err;
  }
  writeFileSync(p.meta, `${JSON.stringify({ fast, startedAt: new Date().toISOString() }, null, 2)}\n`);
  const rows = await status({ env });
  log(`\npromptscope stack is up (${fast ? 'fast' : 'production'} settings)\n`);
  log(formatStatus(rows));
  log(usage(p.state));
  return { alreadyUp: false, rows };
}

/**
 * Extra collector variables for --fast, passed through only when set: the collector config decides
 * which it reads (see collector-config/README.md).
 * @param {boolean} fast @param {NodeJS.ProcessEnv} env
 * @returns {Record<string, string>}
 */
function collectorFastEnv(fast, env) {
  return fast ? { ...FAST_COLLECTOR_ENV, ...pick(env, Object.keys(FAST_COLLECTOR_ENV)) } : {};
}

/**
 * Collector settings for --fast (variables of collector-config/collector.yaml): tail-sampling decisions after
 * 2 s instead of 10 s, spanmetrics flushed every 2 s instead of 15 s. Sampling policies stay as shipped
 * (errors, slow > 10 s, 10 % of the rest), so the e2e test checks that every error trace survives them.
 * A variable already set in the environment wins.
 * @type {Record<string, string>}
 */
export const FAST_COLLECTOR_ENV = {
  PROMPTSCOPE_TAIL_DECISION_WAIT: '2s',
  PROMPTSCOPE_SPANMETRICS_FLUSH_INTERVAL: '2s',
};

/** @param {NodeJS.ProcessEnv} env @param {string[]} keys */
function pick(env, keys) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = /** @type {string} */ (env[k]);
  return out;
}

/** @param {Component} c @param {import('./procs.mjs').PidRecord} rec */
async function waitHealthy(c, rec) {
  const deadline = Date.now() + c.timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(rec)) {
      throw new Error(`${c.name} exited during startup; see ${rec.log}:\n${tail(rec.log)}`);
    }
    if (await healthy(c.health)) return;
    await sleep(250);
  }
  throw new Error(
    `${c.name} not healthy at ${c.health} after ${c.timeoutMs / 1000} s; see ${rec.log}:\n${tail(rec.log)}`,
  );
}

/** @param {string} state */
function usage(state) {
  return `
  Jaeger UI/API   http://${ADDR.jaegerQuery}   (API: /api/services, /api/traces?service=promptscope-demo)
  Prometheus      http://${ADDR.prometheus}
  Alertmanager    http://${ADDR.alertmanager}
  collector       OTLP/HTTP http://${ADDR.collectorHttp}, OTLP/gRPC ${ADDR.collectorGrpc}, health http://${ADDR.collectorHealth}/

  send the demo's telemetry here:  npm run demo -- --endpoint http://${ADDR.collectorHttp}
  your app:                        OTEL_EXPORTER_OTLP_ENDPOINT=http://${ADDR.collectorHttp} node --import @promptscope/register app.mjs
  logs and pids:                   ${state}/logs, ${state}/pids
  stop:                            npm run stack -- down`;
}

/**
 * Stops every component this stack started, by the pids in its pidfiles (never by name).
 * @param {StackOptions & { graceMs?: number }} [opts]
 */
export async function down({ log = console.log, env = process.env, graceMs = 10_000 } = {}) {
  const p = paths(env);
  const results = [];
  for (const c of [...COMPONENTS].reverse()) {
    const rec = readPid(p.pids, c.name);
    if (!rec) {
      results.push({ name: c.name, result: 'not running' });
      continue;
    }
    const t = Date.now();
    const result = await stopProcess(rec, graceMs);
    removePid(p.pids, c.name);
    const took = ((Date.now() - t) / 1000).toFixed(1);
    log(`${c.name}: ${result === 'not running' ? 'was not running' : `${result} (pid ${rec.pid}, ${took} s)`}`);
    results.push({ name: c.name, pid: rec.pid, result });
  }
  rmSync(p.meta, { force: true });
  if (results.every((r) => r.result === 'not running' && r.pid === undefined)) log('the stack is not running');
  return results;
}
