// Real agents, gateways, Jaeger and Prometheus on free loopback ports, for the fault campaign (faults.test.ts): each
// scenario builds its own pipeline so scenarios run concurrently and never touch the stack's fixed ports. Processes
// are run with the same configs and variables as `npm run stack -- up` (stack/lib/tiers.mjs) and stopped by pid.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@promptscope/testing';
import { buildCollector } from '../../collector-config/build.mjs';
import { buildJaeger } from '../build-jaeger.mjs';
import { agentEnv, COLLECTOR_CONFIGS, FAST_COLLECTOR_ENV, gatewayEnv } from '../lib/tiers.mjs';

const JAEGER_CONFIG = fileURLToPath(new URL('../jaeger.yaml', import.meta.url));

export interface Proc {
  name: string;
  output(): string;
  running(): boolean;
  /** SIGTERM (graceful: flushes), SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** SIGKILL: nothing flushed. */
  kill(): Promise<void>;
  /** Starts the same command again (after stop or kill). */
  start(): Promise<void>;
}

/** Spawns `bin args` with `env`, waits until `health` answers 200; restartable. */
export async function startProc(opts: {
  name: string;
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  health: string;
  wrap?: (bin: string, args: string[]) => [string, string[]];
}): Promise<Proc> {
  let child: ChildProcess | undefined;
  let out = '';
  let exited: Promise<void> = Promise.resolve();
  const launch = async () => {
    const [bin, args] = opts.wrap ? opts.wrap(opts.bin, opts.args) : [opts.bin, opts.args];
    const c = spawn(bin, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    out += `\n=== start ${new Date().toISOString()}\n`;
    c.stdout?.on('data', (d) => {
      out = (out + d).slice(-200_000);
    });
    c.stderr?.on('data', (d) => {
      out = (out + d).slice(-200_000);
    });
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`${opts.name} exited with ${c.exitCode}:\n${out.slice(-4000)}`);
      try {
        const res = await fetch(opts.health, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`${opts.name} not healthy at ${opts.health}:\n${out.slice(-4000)}`);
      await sleep(100);
    }
  };
  const signal = async (sig: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
    process.kill(c.pid, sig);
    const timer = setTimeout(() => c.pid && c.exitCode === null && process.kill(c.pid, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    name: opts.name,
    output: () => out,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start: launch,
  };
}

export interface Jaeger extends Proc {
  otlpGrpc: string;
  query: string;
  /** Distinct span ids Jaeger holds for `service` (every trace of the last hour). */
  spanIds(service: string): Promise<Set<string>>;
  traces(service: string): Promise<JaegerTrace[]>;
}
export type JaegerTrace = {
  traceID: string;
  spans: { spanID: string; processID: string; tags: { key: string; value: unknown }[] }[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
};

export async function startJaeger(dir: string): Promise<Jaeger> {
  const bin = await buildJaeger({ log: () => {} });
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const [grpc, http, query, queryGrpc, health, metrics] = ports.map((p) => `127.0.0.1:${p}`);
  const proc = await startProc({
    name: 'jaeger',
    bin,
    args: [`--config=${JAEGER_CONFIG}`],
    env: {
      ...process.env,
      PROMPTSCOPE_JAEGER_BADGER_DIR: join(dir, 'jaeger'),
      PROMPTSCOPE_JAEGER_OTLP_GRPC_LISTEN: grpc,
      PROMPTSCOPE_JAEGER_OTLP_HTTP_LISTEN: http,
      PROMPTSCOPE_JAEGER_QUERY_LISTEN: query,
      PROMPTSCOPE_JAEGER_QUERY_GRPC_LISTEN: queryGrpc,
      PROMPTSCOPE_JAEGER_HEALTH_LISTEN: health,
      PROMPTSCOPE_JAEGER_METRICS_PORT: metrics.split(':')[1],
    },
    health: `http://${query}/api/services`,
  });
  const traces = async (service: string) => {
    const end = Date.now() * 1000 + 60_000_000;
    const q = new URLSearchParams({ service, limit: '100000', start: String(end - 3_600_000_000), end: String(end) });
    const res = await fetch(`http://${query}/api/traces?${q}`, { signal: AbortSignal.timeout(20_000) });
    if (!res.ok) throw new Error(`jaeger /api/traces: HTTP ${res.status}`);
    return ((await res.json()) as { data: JaegerTrace[] | null }).data ?? [];
  };
  return {
    ...proc,
    otlpGrpc: grpc,
    query: `http://${query}`,
    traces,
    spanIds: async (service) => new Set((await traces(service)).flatMap((t) => t.spans.map((s) => s.spanID))),
  };
}

export interface Prometheus extends Proc {
  url: string;
  /** Scrapes these collectors' self-metrics (host:port each) from now on (config rewritten, then reloaded). */
  setScrape(targets: string[]): Promise<void>;
  remoteWrite: string;
  query(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  range(
    expr: string,
    start: number,
    end: number,
    step: number,
  ): Promise<{ metric: Record<string, string>; values: [number, string][] }[]>;
}

/** Prometheus 2.42 (Debian) with the remote-write receiver, scraping `scrape` every second, with `rules`. */
export async function startPrometheus(
  dir: string,
  { scrape = [], rules }: { scrape?: string[]; rules?: string } = {},
): Promise<Prometheus> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'prometheus.yml');
  const rulesFile = join(dir, 'rules.yml');
  if (rules) writeFileSync(rulesFile, rules);
  const writeConfig = (targets: string[]) =>
    writeFileSync(
      config,
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: rules ? [rulesFile] : [],
        scrape_configs: targets.length ? [{ job_name: 'otelcol', static_configs: [{ targets }] }] : [],
      }),
    );
  writeConfig(scrape);
  const proc = await startProc({
    name: 'prometheus',
    bin: 'prometheus',
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--enable-feature=exemplar-storage',
      '--web.enable-lifecycle',
    ],
    env: process.env,
    health: `${url}/-/ready`,
  });
  const get = async (path: string, params: Record<string, string>) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
    const body = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data.result;
  };
  return {
    ...proc,
    url,
    setScrape: async (targets) => {
      writeConfig(targets);
      const res = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (!res.ok) throw new Error(`prometheus reload: HTTP ${res.status} ${await res.text()}`);
    },
    remoteWrite: `${url}/api/v1/write`,
    query: async (expr, time) =>
      (await get('/api/v1/query', { query: expr, ...(time ? { time: String(time) } : {}) })) as never,
    range: async (expr, start, end, step) =>
      (await get('/api/v1/query_range', {
        query: expr,
        start: String(start),
        end: String(end),
        step: String(step),
      })) as never,
  };
}

export interface Tiers {
  agent: Proc;
  agentHttp: string;
  agentMetrics: string;
  gateways: Proc[];
  gatewayMetrics: string[];
  /** Rewrites the name the agent resolves (DNS mode only) to list these gateways (1-based). */
  setGatewayRecords?(which: number[]): void;
  stop(): Promise<void>;
}

/**
 * An agent and `n` gateways (gateway i on 127.0.1.<i + 10 × slot>, one shared port), sending to `jaeger` and
 * `prometheus`. `dns: true` runs the agent with agent.dns.yaml in a private mount namespace whose /etc/hosts the
 * test rewrites (what Kubernetes does to a headless Service's records when a pod stops being ready).
 */
export async function startTiers(opts: {
  dir: string;
  slot: number;
  gateways: number;
  jaeger: Jaeger;
  prometheus: Prometheus;
  env?: Record<string, string>;
  /** Variables for the gateways only (e.g. a smaller queue than the agent's). */
  gatewayEnv?: Record<string, string>;
  dns?: boolean;
}): Promise<Tiers> {
  const bin = (await buildCollector({ log: () => true })) as string;
  const hosts = Array.from({ length: opts.gateways }, (_, i) => `127.0.1.${opts.slot * 10 + i + 1}`);
  const gwPort = await freePort(hosts);
  const gwHealth = await freePort(hosts);
  const gwMetrics = await freePort(hosts);
  const base = { ...process.env, ...FAST_COLLECTOR_ENV, PROMPTSCOPE_COLLECTOR_LOG_LEVEL: 'warn', ...opts.env };
  const gateways: Proc[] = [];
  for (const [i, host] of hosts.entries()) {
    const id = `gateway-${i + 1}`;
    gateways.push(
      await startProc({
        name: id,
        bin,
        args: [`--config=${COLLECTOR_CONFIGS.gateway}`],
        env: {
          ...base,
          ...opts.gatewayEnv,
          ...gatewayEnv({
            id,
            listen: { grpc: `${host}:${gwPort}`, health: `${host}:${gwHealth}`, metrics: `${host}:${gwMetrics}` },
            jaegerOtlp: opts.jaeger.otlpGrpc,
            remoteWrite: opts.prometheus.remoteWrite,
            queueDir: join(opts.dir, 'queue', id),
          }),
        },
        health: `http://${host}:${gwHealth}/`,
      }),
    );
  }
  const [http, grpc, health, metrics] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const listen = {
    http: `127.0.0.1:${http}`,
    grpc: `127.0.0.1:${grpc}`,
    health: `127.0.0.1:${health}`,
    metrics: `127.0.0.1:${metrics}`,
  };
  const name = `gateways-${randomBytes(3).toString('hex')}.promptscope.test`;
  const hostsFile = join(opts.dir, 'hosts');
  // Written in place (truncate, same inode): the agent's bind mount follows the inode, not the name.
  const setGatewayRecords = (which: number[]) =>
    writeFileSync(hostsFile, `127.0.0.1 localhost\n${which.map((i) => `${hosts[i - 1]} ${name}`).join('\n')}\n`);
  if (opts.dns) setGatewayRecords(hosts.map((_, i) => i + 1));
  const agent = await startProc({
    name: 'agent',
    bin,
    args: [`--config=${COLLECTOR_CONFIGS.agent}`, ...(opts.dns ? [`--config=${COLLECTOR_CONFIGS.agentDns}`] : [])],
    env: {
      ...base,
      ...agentEnv({ listen, gateways: hosts.map((h) => `${h}:${gwPort}`), queueDir: join(opts.dir, 'queue', 'agent') }),
      ...(opts.dns
        ? {
            PROMPTSCOPE_GATEWAYS_DNS_NAME: name,
            PROMPTSCOPE_GATEWAYS_PORT: String(gwPort),
            PROMPTSCOPE_GATEWAYS_DNS_INTERVAL: '1s',
          }
        : {}),
    },
    health: `http://${listen.health}/`,
    // A private mount namespace where /etc/hosts is the test's file: only this process resolves the name.
    wrap: opts.dns
      ? (b, a) => [
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            'mount --bind "$0" /etc/hosts && exec "$@"',
            hostsFile,
            b,
            ...a,
          ],
        ]
      : undefined,
  });
  return {
    agent,
    agentHttp: `http://${listen.http}`,
    agentMetrics: `http://${listen.metrics}/metrics`,
    gateways,
    gatewayMetrics: hosts.map((h) => `${h}:${gwMetrics}`),
    setGatewayRecords: opts.dns ? setGatewayRecords : undefined,
    stop: async () => {
      await agent.stop();
      await Promise.all(gateways.map((g) => g.stop()));
    },
  };
}

/** Whether this process may run the agent in a private mount namespace (root with unshare). */
export function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** A collector's own counter/gauge (`otelcol_…`) summed over its label sets; 0 when absent. */
export async function selfMetric(metricsUrl: string, name: string, match: Record<string, string> = {}) {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = m[2] ?? '';
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}
