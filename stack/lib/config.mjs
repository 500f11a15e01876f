/**
 * Generated configuration for Prometheus (prometheus.yml + alert rules from alerting/rules.mjs) and
 * Alertmanager (alerting/alertmanager.yml, or a copy with fast grouping for --fast).
 * prometheus.yml is written as JSON, which is valid YAML, so no YAML library is needed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './paths.mjs';

/** The fixed addresses of the stack. `collector*` is the agent in the two-tier stack (the single collector with
 * `--gateways 0`): apps talk to it. Gateways have their own loopback addresses (gatewayAddress). */
export const ADDR = {
  collectorHttp: '127.0.0.1:4318',
  collectorGrpc: '127.0.0.1:4317',
  collectorHealth: '127.0.0.1:13133',
  collectorMetrics: '127.0.0.1:8888',
  jaegerOtlpGrpc: '127.0.0.1:14317',
  jaegerOtlpHttp: '127.0.0.1:14318',
  jaegerQuery: '127.0.0.1:16686',
  jaegerQueryGrpc: '127.0.0.1:16685',
  jaegerHealth: '127.0.0.1:13134',
  jaegerMetrics: '127.0.0.1:8889',
  prometheus: '127.0.0.1:9090',
  alertmanager: '127.0.0.1:9093',
};

/**
 * The stack's gateways: gateway i (1-based) on its own loopback address 127.0.1.i, with the same ports on every
 * address (what a DNS name listing the gateways needs: one port for all), so they never collide with each other or
 * with the fixed 127.0.0.1 ports above.
 */
export const MAX_GATEWAYS = 9;
export const GATEWAY_PORTS = Object.freeze({ grpc: 4317, health: 13133, metrics: 8888 });

/** @param {number} i 1-based @returns {{ host: string, grpc: string, health: string, metrics: string }} */
export function gatewayAddress(i) {
  if (!Number.isInteger(i) || i < 1 || i > MAX_GATEWAYS)
    throw new Error(`gateway ${i}: the stack runs 1 to ${MAX_GATEWAYS} gateways`);
  const host = `127.0.1.${i}`;
  return {
    host,
    grpc: `${host}:${GATEWAY_PORTS.grpc}`,
    health: `${host}:${GATEWAY_PORTS.health}`,
    metrics: `${host}:${GATEWAY_PORTS.metrics}`,
  };
}

/** Prometheus keeps its data this long (`--storage.tsdb.retention.time`) unless PROMPTSCOPE_PROMETHEUS_RETENTION says otherwise. */
export const PROMETHEUS_RETENTION = '15d';

/**
 * Settings of --fast (the e2e test): alerts react within seconds instead of minutes.
 * The cost budget is far below what the demo spends, so the cost alert fires too; so is the `enterprise`
 * segment's, while every other segment gets a budget no demo reaches: PromptscopeSegmentOverBudget fires for
 * the demo's enterprise segment only.
 */
export const FAST_RULES = {
  window: '1m',
  forDuration: '0s',
  costBudgetUsdPerHour: 0.001,
  segmentBudgetsUsdPerHour: { enterprise: 0.0001, default: 1000 },
};
export const FAST_EVALUATION_INTERVAL = '1s';
export const FAST_SCRAPE_INTERVAL = '2s';
export const FAST_ALERTMANAGER = { group_wait: '1s', group_interval: '1s', repeat_interval: '1m' };

export const RULES_MODULE = join(REPO_ROOT, 'alerting', 'rules.mjs');
export const ALERTMANAGER_CONFIG = join(REPO_ROOT, 'alerting', 'alertmanager.yml');

/**
 * @param {{ rulesFile: string, fast: boolean, gateways?: number }} opts
 * @returns prometheus.yml content
 */
export function prometheusConfig({ rulesFile, fast, gateways = 0 }) {
  const scrape = (/** @type {string} */ job, /** @type {string[]} */ targets) => ({
    job_name: job,
    static_configs: [{ targets }],
  });
  const collectors = [ADDR.collectorMetrics];
  for (let i = 1; i <= gateways; i++) collectors.push(gatewayAddress(i).metrics);
  return {
    global: {
      scrape_interval: fast ? FAST_SCRAPE_INTERVAL : '15s',
      evaluation_interval: fast ? FAST_EVALUATION_INTERVAL : '15s',
    },
    rule_files: [rulesFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [ADDR.alertmanager] }] }] },
    scrape_configs: [
      scrape('prometheus', [ADDR.prometheus]),
      // The collectors' (agent and gateways) and Jaeger's self-telemetry: throughput, queues, drops, refused spans.
      scrape('otelcol', collectors),
      scrape('jaeger', [ADDR.jaegerMetrics]),
    ],
  };
}

/**
 * Renders the alert rules with alerting/rules.mjs.
 * @param {{ fast: boolean }} opts
 * @returns {Promise<string>} YAML text
 */
export async function renderAlertRules({ fast }) {
  if (!existsSync(RULES_MODULE)) throw new Error(`${RULES_MODULE} not found: the alert rules are generated from it`);
  const mod = await import(pathToFileURL(RULES_MODULE).href);
  if (typeof mod.renderRules !== 'function') throw new Error(`${RULES_MODULE} does not export renderRules()`);
  return mod.renderRules(fast ? { ...FAST_RULES } : {});
}

/**
 * Alertmanager's config: the shipped file, or for --fast a copy whose group_wait/group_interval/repeat_interval
 * are shortened everywhere they appear (root route and sub-routes).
 * @param {string} text alerting/alertmanager.yml
 * @returns {string}
 */
export function fastAlertmanagerConfig(text) {
  let out = text;
  for (const [key, value] of Object.entries(FAST_ALERTMANAGER)) {
    out = out.replace(new RegExp(`^(\\s*${key}:\\s*)\\S+.*$`, 'gm'), `$1${value}`);
  }
  // the root route gets each key it lacks, so Alertmanager's defaults (30s / 5m / 4h) never apply
  const lines = out.split('\n');
  const start = lines.findIndex((l) => /^route:\s*$/.test(l));
  if (start >= 0) {
    let end = start + 1;
    while (end < lines.length && (lines[end].trim() === '' || /^\s/.test(lines[end]))) end++;
    const indent = /^(\s*)/.exec(lines.slice(start + 1, end).find((l) => l.trim() !== '') ?? '  ')?.[1] ?? '  ';
    const own = lines.slice(start + 1, end).filter((l) => l.startsWith(indent) && !/^\s/.test(l.slice(indent.length)));
    const missing = Object.entries(FAST_ALERTMANAGER).filter(
      ([k]) => !own.some((l) => l.slice(indent.length).startsWith(`${k}:`)),
    );
    lines.splice(start + 1, 0, ...missing.map(([k, v]) => `${indent}${k}: ${v}`));
  }
  return lines.join('\n');
}

/**
 * Writes every generated file into `dir`.
 * @param {{ dir: string, fast: boolean, gateways?: number }} opts
 * @returns {Promise<{ prometheusYml: string, rulesYml: string, alertmanagerYml: string }>}
 */
export async function writeConfigs({ dir, fast, gateways = 0 }) {
  mkdirSync(dir, { recursive: true });
  const rulesYml = join(dir, 'rules.yml');
  writeFileSync(rulesYml, await renderAlertRules({ fast }));
  const prometheusYml = join(dir, 'prometheus.yml');
  writeFileSync(
    prometheusYml,
    `${JSON.stringify(prometheusConfig({ rulesFile: rulesYml, fast, gateways }), null, 2)}\n`,
  );
  if (!existsSync(ALERTMANAGER_CONFIG)) throw new Error(`${ALERTMANAGER_CONFIG} not found`);
  let alertmanagerYml = ALERTMANAGER_CONFIG;
  if (fast) {
    alertmanagerYml = join(dir, 'alertmanager.yml');
    writeFileSync(alertmanagerYml, fastAlertmanagerConfig(readFileSync(ALERTMANAGER_CONFIG, 'utf8')));
  }
  return { prometheusYml, rulesYml, alertmanagerYml };
}
