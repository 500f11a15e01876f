// A throwaway Prometheus (Debian 2.42) on 127.0.0.1, random port, temp TSDB, optionally backfilled from an
// OpenMetrics text with `promtool tsdb create-blocks-from openmetrics`. Stopped by pid.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@promptscope/testing';

export const hasBinary = (name: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export interface ThrowawayPrometheus {
  url: string;
  query(expr: string, time?: number): Promise<{ status: string; error?: string; data?: { result: unknown[] } }>;
  stop(): Promise<void>;
}

export async function startPrometheus(openMetrics?: string): Promise<ThrowawayPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'promptscope-prom-'));
  const tsdb = join(dir, 'tsdb');
  mkdirSync(tsdb);
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  evaluation_interval: 1m\n');
  if (openMetrics) {
    const input = join(dir, 'input.om');
    writeFileSync(input, openMetrics);
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, tsdb], { stdio: 'pipe' });
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (b) => {
    log = (log + b).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited early:\n${log}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready at ${url}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const query = async (expr: string, time?: number) => {
    const body = new URLSearchParams({ query: expr });
    if (time !== undefined) body.set('time', String(time));
    const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body });
    return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  };
  return { url, query, stop };
}
