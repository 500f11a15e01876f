/**
 * `up`, `down` and `status` of the native stack: an agent and N gateways (or one collector with --gateways 0),
 * Jaeger v2, Prometheus and Alertmanager as processes on loopback, tracked by pidfiles in the state directory.
 * What each component is (ports, health check, command line) is described in components.mjs.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildJaeger } from '../build-jaeger.mjs';
import { components, dataDir, isCollector, launchSpecs } from './components.mjs';
import { MAX_GATEWAYS, writeConfigs } from './config.mjs';
import { check, ensureBackends } from './install.mjs';
import { layout, REPO_ROOT, stateDir } from './paths.mjs';
import {
  isAlive,
  isStarting,
  portInUse,
  readPid,
  removePid,
  sleep,
  startProcess,
  stopProcess,
  tail,
} from './procs.mjs';
import { formatStatus, usage } from './text.mjs';
import { COLLECTOR_CONFIGS, FAST_COLLECTOR_ENV } from './tiers.mjs';

export const COLLECTOR_BUILD = join(REPO_ROOT, 'collector-config', 'build.mjs');
export { COMPONENTS, components, dataDir, JAEGER_CONFIG } from './components.mjs';
export { FAST_COLLECTOR_ENV, formatStatus };

/**
 * The components a state dir has pidfiles for, or that its stack.json names: so `status` and `down` see every
 * gateway a previous `up` started, whatever `--gateways` it had.
 * @param {ReturnType<typeof paths>} p
 */
function knownComponents(p) {
  const meta = readMetaFile(p.meta);
  let gateways = Number.isInteger(meta?.gateways) ? meta.gateways : 0;
  const files = existsSync(p.pids) ? readdirSync(p.pids) : [];
  for (const f of files) {
    const m = /^gateway-(\d+)\.json$/.exec(f);
    if (m) gateways = Math.max(gateways, Math.min(Number(m[1]), MAX_GATEWAYS));
  }
  const list = components(gateways);
  // A single collector left over from a `--gateways 0` run (or an agent from a two-tier one) is still ours.
  const other = gateways === 0 ? 'agent' : 'collector';
  if (files.includes(`${other}.json`)) list.push({ ...list[list.length - 1], name: other });
  return list;
}

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
    knownComponents(p).map(async (c) => {
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

/** @param {NodeJS.ProcessEnv} env */
export function readMeta(env = process.env) {
  return readMetaFile(paths(env).meta);
}

/** @param {string} file */
function readMetaFile(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
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
 * @param {StackOptions & { fast?: boolean, gateways?: number }} [opts]
 */
export async function up({ fast = false, gateways = 1, log = console.log, env = process.env } = {}) {
  const wanted = components(gateways);
  const p = paths(env);
  const before = await status({ env });
  const meta = readMeta(env);
  const running = before.filter((r) => r.alive);
  const strays = running.filter((r) => !wanted.some((c) => c.name === r.name));
  if (strays.length > 0) {
    throw new Error(
      `the stack runs ${strays.map((r) => r.name).join(', ')}, which --gateways ${gateways} does not: run down first, then up --gateways ${gateways}`,
    );
  }
  if (wanted.every((c) => running.some((r) => r.name === c.name))) {
    const mode = meta?.fast ? 'fast' : 'production';
    log(`the stack is already up (${mode} settings, ${describeTiers(gateways)}; state in ${p.state}); nothing to do`);
    if (Boolean(meta?.fast) !== fast)
      log(`note: it runs with ${mode} settings; run down then up${fast ? ' --fast' : ''} to switch`);
    log(formatStatus(before));
    return { alreadyUp: true, rows: before };
  }
  const missing = wanted.filter((c) => !running.some((r) => r.name === c.name));
  if (running.length > 0) log(`already running: ${running.map((r) => r.name).join(', ')}; starting the rest`);

  // Ports first: fail before any build when something else holds them.
  for (const c of missing) {
    for (const { host, port } of c.ports) {
      if (await portInUse(port, host)) {
        throw new Error(
          `port ${host}:${port} (${c.name}) is already in use by a process this stack did not start; stop it (e.g. a distro prometheus/alertmanager service) and retry`,
        );
      }
    }
  }

  const need = new Set(missing.map((c) => c.name));
  const needCollector = missing.some((c) => isCollector(c.name));
  const t0 = Date.now();
  const backends = need.has('prometheus') || need.has('alertmanager') ? await ensureBackends({ log }) : undefined;
  const jaegerBin = need.has('jaeger') ? await buildJaeger({ log, env }) : undefined;
  const collectorBin = needCollector ? await collectorBinary({ log, env }) : undefined;
  // PROMPTSCOPE_COLLECTOR_CONFIG replaces the config of the single collector (--gateways 0) only.
  const singleConfig = env.PROMPTSCOPE_COLLECTOR_CONFIG || COLLECTOR_CONFIGS.single;
  if (gateways === 0 && need.has('collector') && !existsSync(singleConfig))
    throw new Error(`${singleConfig} not found`);
  log(`binaries ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const cfg = await writeConfigs({ dir: p.config, fast, gateways });
  if (backends?.promtool) await check(backends.promtool, ['check', 'config', cfg.prometheusYml]);
  if (backends?.amtool) await check(backends.amtool, ['check-config', cfg.alertmanagerYml]);

  // --fast from nothing running: fresh TSDB, traces, queues and silences, so a test never sees an earlier run's
  // data. A component started again next to running ones keeps its data (what a restart must show).
  if (fast && running.length === 0) {
    for (const name of need) rmSync(dataDir(p, name), { recursive: true, force: true });
  }

  const specs = launchSpecs({ p, env, fast, gateways, cfg, backends, jaegerBin, collectorBin, singleConfig });

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
  writeFileSync(p.meta, `${JSON.stringify({ fast, gateways, startedAt: new Date().toISOString() }, null, 2)}\n`);
  const rows = await status({ env });
  log(`\npromptscope stack is up (${fast ? 'fast' : 'production'} settings, ${describeTiers(gateways)})\n`);
  log(formatStatus(rows));
  log(usage(p.state, gateways));
  return { alreadyUp: false, rows };
}

/** @param {number} gateways */
const describeTiers = (gateways) =>
  gateways === 0 ? 'one collector' : `agent + ${gateways} gateway${gateways === 1 ? '' : 's'}`;

/** @param {import('./components.mjs').Component} c @param {import('./procs.mjs').PidRecord} rec */
async function waitHealthy(c, rec) {
  const deadline = Date.now() + c.timeoutMs;
  while (Date.now() < deadline) {
    if (!isStarting(rec)) {
      throw new Error(`${c.name} exited during startup; see ${rec.log}:\n${tail(rec.log)}`);
    }
    if (await healthy(c.health)) return;
    await sleep(250);
  }
  throw new Error(
    `${c.name} not healthy at ${c.health} after ${c.timeoutMs / 1000} s; see ${rec.log}:\n${tail(rec.log)}`,
  );
}

/**
 * Stops every component this stack started, by the pids in its pidfiles (never by name).
 * @param {StackOptions & { graceMs?: number }} [opts]
 */
export async function down({ log = console.log, env = process.env, graceMs = 10_000 } = {}) {
  const p = paths(env);
  const results = [];
  // The collectors first (agent, then gateways, each flushing to the tier behind it), then the backends.
  for (const c of [...knownComponents(p)].reverse()) {
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
