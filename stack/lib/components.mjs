/**
 * What the native stack runs: each component's ports, health check, address, data directory and command line.
 * stack.mjs supervises the processes (status, up, down) from this description: a port, a health URL or a flag
 * changes here, not in the supervision.
 */
import { join } from 'node:path';
import { ADDR, gatewayAddress, MAX_GATEWAYS, PROMETHEUS_RETENTION } from './config.mjs';
import { STACK_DIR } from './paths.mjs';
import { FAST_COLLECTOR_ENV, stackCollectorEnvs } from './tiers.mjs';

export const JAEGER_CONFIG = join(STACK_DIR, 'jaeger.yaml');

/** `host:port` -> { host, port } */
const hp = (/** @type {string} */ a) => ({ host: a.split(':')[0], port: Number(a.split(':')[1]) });

/**
 * The backends in start order; `components()` adds the collectors after them. `down` goes in reverse so each
 * collector can still flush to the tier behind it while it stops.
 * @typedef {{ name: string, ports: { host: string, port: number }[], health: string, address: string, timeoutMs: number }} Component
 * @type {Component[]}
 */
const BACKENDS = [
  {
    name: 'alertmanager',
    ports: [hp(ADDR.alertmanager)],
    health: `http://${ADDR.alertmanager}/-/ready`,
    address: `http://${ADDR.alertmanager}`,
    timeoutMs: 30_000,
  },
  {
    name: 'prometheus',
    ports: [hp(ADDR.prometheus)],
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
    ].map(hp),
    health: `http://${ADDR.jaegerQuery}/api/services`,
    address: `http://${ADDR.jaegerQuery} (OTLP ${ADDR.jaegerOtlpGrpc} grpc, ${ADDR.jaegerOtlpHttp} http)`,
    timeoutMs: 30_000,
  },
];

/** The stack's components for `gateways` gateways (0: one collector), in start order. @param {number} gateways */
export function components(gateways) {
  if (!Number.isInteger(gateways) || gateways < 0 || gateways > MAX_GATEWAYS)
    throw new Error(`--gateways must be a whole number from 0 to ${MAX_GATEWAYS}, got ${gateways}`);
  /** @type {Component[]} */
  const out = [...BACKENDS];
  for (let i = 1; i <= gateways; i++) {
    const a = gatewayAddress(i);
    out.push({
      name: `gateway-${i}`,
      ports: [a.grpc, a.health, a.metrics].map(hp),
      health: `http://${a.health}/`,
      address: `OTLP grpc ${a.grpc}, self-metrics http://${a.metrics}/metrics`,
      timeoutMs: 30_000,
    });
  }
  out.push({
    name: gateways === 0 ? 'collector' : 'agent',
    ports: [ADDR.collectorHttp, ADDR.collectorGrpc, ADDR.collectorHealth, ADDR.collectorMetrics].map(hp),
    health: `http://${ADDR.collectorHealth}/`,
    address: `OTLP http://${ADDR.collectorHttp}, grpc ${ADDR.collectorGrpc}`,
    timeoutMs: 30_000,
  });
  return out;
}

/** The one-collector stack's components (what `--gateways 0` runs). */
export const COMPONENTS = components(0);

/** @param {string} name */
export const isCollector = (name) => name === 'collector' || name === 'agent' || name.startsWith('gateway-');

/**
 * Where a component keeps its data: Prometheus' TSDB, Alertmanager's silences, Jaeger's Badger files, each
 * collector's persistent sending queue.
 * @param {ReturnType<typeof import('./paths.mjs').layout>} p @param {string} name
 */
export function dataDir(p, name) {
  return isCollector(name) ? join(p.data, 'queue', name) : join(p.data, name);
}

/**
 * The command line and environment of each component, from the binaries `up` found or built and the configs it
 * wrote: only those whose binary is given (a component already running needs none).
 * @param {{ p: ReturnType<typeof import('./paths.mjs').layout>, env: NodeJS.ProcessEnv, fast: boolean,
 *   gateways: number, cfg: { prometheusYml: string, alertmanagerYml: string },
 *   backends?: { prometheus: string, alertmanager: string }, jaegerBin?: string, collectorBin?: string,
 *   singleConfig: string }} opts
 * @returns {Record<string, { bin: string, args: string[], env?: NodeJS.ProcessEnv }>}
 */
export function launchSpecs({ p, env, fast, gateways, cfg, backends, jaegerBin, collectorBin, singleConfig }) {
  /** @type {Record<string, { bin: string, args: string[], env?: NodeJS.ProcessEnv }>} */
  const specs = {};
  if (backends) {
    specs.alertmanager = {
      bin: backends.alertmanager,
      args: [
        `--config.file=${cfg.alertmanagerYml}`,
        `--storage.path=${dataDir(p, 'alertmanager')}`,
        `--web.listen-address=${ADDR.alertmanager}`,
        '--cluster.listen-address=',
      ],
    };
    specs.prometheus = {
      bin: backends.prometheus,
      args: [
        `--config.file=${cfg.prometheusYml}`,
        `--storage.tsdb.path=${dataDir(p, 'prometheus')}`,
        `--storage.tsdb.retention.time=${env.PROMPTSCOPE_PROMETHEUS_RETENTION || PROMETHEUS_RETENTION}`,
        `--web.listen-address=${ADDR.prometheus}`,
        '--web.enable-remote-write-receiver',
        '--enable-feature=exemplar-storage',
        '--web.enable-lifecycle',
        ...(fast ? ['--rules.alert.resend-delay=1s'] : []),
      ],
    };
  }
  if (jaegerBin) {
    specs.jaeger = {
      bin: jaegerBin,
      args: [`--config=${JAEGER_CONFIG}`],
      env: { ...env, PROMPTSCOPE_JAEGER_BADGER_DIR: dataDir(p, 'jaeger') },
    };
  }
  if (collectorBin) {
    const addresses = Array.from({ length: gateways }, (_, i) => gatewayAddress(i + 1));
    const own = stackCollectorEnvs({
      gateways: addresses,
      listen: {
        http: ADDR.collectorHttp,
        grpc: ADDR.collectorGrpc,
        health: ADDR.collectorHealth,
        metrics: ADDR.collectorMetrics,
      },
      jaegerOtlp: ADDR.jaegerOtlpGrpc,
      remoteWrite: `http://${ADDR.prometheus}/api/v1/write`,
      queueDir: (name) => dataDir(p, name),
      singleConfig,
    });
    for (const [name, { config, env: vars }] of Object.entries(own))
      specs[name] = {
        bin: collectorBin,
        args: [`--config=${config}`],
        env: { ...env, ...vars, ...collectorFastEnv(fast, env) },
      };
  }
  return specs;
}

/**
 * Extra collector variables for --fast, passed through only when set: the collector config decides
 * which it reads (see collector-config/README.md). A variable already set in the environment wins.
 * @param {boolean} fast @param {NodeJS.ProcessEnv} env
 * @returns {Record<string, string>}
 */
function collectorFastEnv(fast, env) {
  return fast ? { ...FAST_COLLECTOR_ENV, ...pick(env, Object.keys(FAST_COLLECTOR_ENV)) } : {};
}

/** @param {NodeJS.ProcessEnv} env @param {string[]} keys */
function pick(env, keys) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = /** @type {string} */ (env[k]);
  return out;
}
