/** Unit tests of the stack runner's pieces that need no binaries: configs, pidfiles, stop by pid, port checks. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fastAlertmanagerConfig, gatewayAddress, prometheusConfig, renderAlertRules } from '../lib/config.mjs';
import { isAlive, portInUse, readPid, startProcess, stopProcess } from '../lib/procs.mjs';
import { COMPONENTS, components, down, formatStatus, status, up } from '../lib/stack.mjs';
import { agentEnv, gatewayEnv } from '../lib/tiers.mjs';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'stack-unit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('configs', () => {
  it('--fast shortens Alertmanager grouping at every level and adds it to a root route without it', () => {
    const am = `route:\n  receiver: hook\n  group_by: [alertname]\n  routes:\n    - matchers: ['severity="critical"']\n      receiver: hook\n      group_wait: 10s\nreceivers:\n  - name: hook\n`;
    const out = fastAlertmanagerConfig(am);
    expect(out).toMatch(/^route:\n {2}group_wait: 1s\n/m);
    expect(out).toMatch(/^ {6}group_wait: 1s$/m);
    expect(out).toMatch(/group_interval: 1s/);
    expect(out).toMatch(/repeat_interval: 1m/);
    expect(out).not.toMatch(/10s/);
  });

  it('prometheus.yml: rules, Alertmanager on 9093, self-scrapes; fast evaluates every second', () => {
    const prod = prometheusConfig({ rulesFile: '/x/rules.yml', fast: false });
    const fast = prometheusConfig({ rulesFile: '/x/rules.yml', fast: true });
    expect(prod.rule_files).toEqual(['/x/rules.yml']);
    expect(prod.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['127.0.0.1:9093']);
    expect(prod.global.evaluation_interval).toBe('15s');
    expect(fast.global.evaluation_interval).toBe('1s');
    expect(prod.scrape_configs.map((s) => s.static_configs[0].targets[0])).toEqual([
      '127.0.0.1:9090',
      '127.0.0.1:8888',
      '127.0.0.1:8889',
    ]);
  });

  it('--fast rules: the segment budget alert judges enterprise with a tiny budget and the other segments by a huge default', async () => {
    const fast = await renderAlertRules({ fast: true });
    expect(fast).toContain('promptscope_user_segment="enterprise"}[1m])) * 3600 > 0.0001');
    expect(fast).toContain('promptscope_user_segment!="", promptscope_user_segment!~"enterprise"}[1m])) * 3600 > 1000');
    const prod = await renderAlertRules({ fast: false });
    expect(prod).toContain('promptscope_user_segment!=""}[5m])) * 3600 > 5');
  });

  it('no two components share an address, with any number of gateways', () => {
    for (const n of [0, 1, 3, 9]) {
      const addresses = components(n).flatMap((c) => c.ports.map((p) => `${p.host}:${p.port}`));
      expect(new Set(addresses).size, `--gateways ${n}`).toBe(addresses.length);
    }
    expect(COMPONENTS.map((c) => c.name)).toEqual(['alertmanager', 'prometheus', 'jaeger', 'collector']);
    expect(components(2).map((c) => c.name)).toEqual([
      'alertmanager',
      'prometheus',
      'jaeger',
      'gateway-1',
      'gateway-2',
      'agent',
    ]);
    expect(() => components(10)).toThrow(/0 to 9/);
    expect(() => components(-1)).toThrow(/0 to 9/);
    expect(gatewayAddress(3)).toEqual({
      host: '127.0.1.3',
      grpc: '127.0.1.3:4317',
      health: '127.0.1.3:13133',
      metrics: '127.0.1.3:8888',
    });
  });

  it('prometheus.yml scrapes the agent and every gateway', () => {
    const cfg = prometheusConfig({ rulesFile: '/x/rules.yml', fast: false, gateways: 2 });
    const otelcol = cfg.scrape_configs.find((s) => s.job_name === 'otelcol');
    expect(otelcol?.static_configs[0].targets).toEqual(['127.0.0.1:8888', '127.0.1.1:8888', '127.0.1.2:8888']);
  });

  it('the agent gets the gateways as a YAML list and its own queue; each gateway its name and queue', () => {
    const listen = { grpc: 'h:1', health: 'h:2', metrics: 'h:3' };
    expect(agentEnv({ listen, gateways: ['a:4317', 'b:4317'], queueDir: '/q/agent' })).toMatchObject({
      PROMPTSCOPE_GATEWAYS: '[a:4317, b:4317]',
      PROMPTSCOPE_QUEUE_DIR: '/q/agent',
      PROMPTSCOPE_COLLECTOR_METRICS_HOST: 'h',
      PROMPTSCOPE_COLLECTOR_METRICS_PORT: '3',
    });
    expect(() => agentEnv({ listen, gateways: [], queueDir: '/q' })).toThrow(/at least one gateway/);
    expect(
      gatewayEnv({ id: 'gateway-2', listen, jaegerOtlp: 'j:1', remoteWrite: 'http://p/w', queueDir: '/q/g2' }),
    ).toMatchObject({
      PROMPTSCOPE_GATEWAY_ID: 'gateway-2',
      PROMPTSCOPE_QUEUE_DIR: '/q/g2',
      PROMPTSCOPE_JAEGER_OTLP_ENDPOINT: 'j:1',
    });
  });
});

describe('processes', () => {
  it('starts a process with a pidfile and log, and stops it by pid with SIGTERM', async () => {
    const d = tmp();
    const rec = startProcess({ name: 'sleeper', bin: '/bin/sleep', args: ['30'], pidDir: d, logDir: d });
    expect(readPid(d, 'sleeper')?.pid).toBe(rec.pid);
    expect(isAlive(rec)).toBe(true);
    expect(await stopProcess(rec)).toBe('terminated');
    expect(isAlive(rec)).toBe(false);
    expect(await stopProcess(rec)).toBe('not running');
    expect(readFileSync(rec.log, 'utf8')).toMatch(/\/bin\/sleep 30/);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const d = tmp();
    const rec = startProcess({
      name: 'stubborn',
      bin: '/bin/sh',
      args: ['-c', 'trap "" TERM; while :; do sleep 0.1; done'],
      pidDir: d,
      logDir: d,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopProcess(rec, 500)).toBe('killed');
  });

  it('never trusts a pidfile whose pid now runs another program', () => {
    const d = tmp();
    writeFileSync(join(d, 'x.json'), JSON.stringify({ pid: process.pid, bin: '/usr/bin/not-us', args: [] }));
    expect(isAlive(readPid(d, 'x'))).toBe(false);
  });

  it('detects a port held by someone else', async () => {
    const srv = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const port = (srv.address() as { port: number }).port;
    expect(await portInUse(port)).toBe(true);
    await new Promise((r) => srv.close(r));
    expect(await portInUse(port)).toBe(false);
  });

  it('status and down on an empty state dir', async () => {
    const env = { ...process.env, PROMPTSCOPE_STATE_DIR: tmp() };
    const rows = await status({ env });
    expect(rows.map((r) => r.alive)).toEqual([false, false, false, false]);
    expect(formatStatus(rows)).toMatch(/collector\s+-\s+OTLP/);
    const lines: string[] = [];
    await down({ env, log: (l) => lines.push(l) });
    expect(lines).toEqual(['the stack is not running']);
  });

  it('up rejects a gateway count it cannot run before touching anything', async () => {
    const env = { ...process.env, PROMPTSCOPE_STATE_DIR: tmp() };
    await expect(up({ env, gateways: 12, log: () => {} })).rejects.toThrow(
      /--gateways must be a whole number from 0 to 9/,
    );
  });

  it('status and down see every gateway a previous up started, from the pidfiles', async () => {
    const state = tmp();
    const env = { ...process.env, PROMPTSCOPE_STATE_DIR: state };
    const pids = join(state, 'pids');
    const sleeper = startProcess({ name: 'gateway-3', bin: '/bin/sleep', args: ['30'], pidDir: pids, logDir: state });
    const rows = await status({ env });
    expect(rows.map((r) => r.name)).toEqual([
      'alertmanager',
      'prometheus',
      'jaeger',
      'gateway-1',
      'gateway-2',
      'gateway-3',
      'agent',
    ]);
    expect(rows.find((r) => r.name === 'gateway-3')?.alive).toBe(true);
    const lines: string[] = [];
    const results = await down({ env, log: (l) => lines.push(l) });
    expect(results.find((r) => r.name === 'gateway-3')?.result).toBe('terminated');
    expect(isAlive(sleeper)).toBe(false);
  });
});
