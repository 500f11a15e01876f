/** Unit tests of the stack runner's pieces that need no binaries: configs, pidfiles, stop by pid, port checks. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fastAlertmanagerConfig, prometheusConfig, renderAlertRules } from '../lib/config.mjs';
import { isAlive, portInUse, readPid, startProcess, stopProcess } from '../lib/procs.mjs';
import { COMPONENTS, down, formatStatus, status } from '../lib/stack.mjs';

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

  it('no two components share a port', () => {
    const ports = COMPONENTS.flatMap((c) => c.ports);
    expect(new Set(ports).size).toBe(ports.length);
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
});
