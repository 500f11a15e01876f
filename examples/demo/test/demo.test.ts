import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The whole demo as users run it (after `npm run build`): the app under `node --import
// @promptscope/register`, exporting OTLP to the demo's receiver, summarized from that telemetry.

const MAIN = fileURLToPath(new URL('../src/main.mjs', import.meta.url));

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(OTEL_|PROMPTSCOPE_|OPENAI_|NODE_OPTIONS$|VITEST)/.test(k)) env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The table's data lines: prompt, version, label, calls, errors..., cost. */
function tableRows(stdout: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^support-reply\s+(\d+)\s+(.*)$/.exec(line);
    if (m) rows.set(m[1], m[2]);
  }
  return rows;
}

describe('npm run demo', () => {
  it('summarizes both prompt versions, with errors and costs, from exported telemetry', async () => {
    const { code, stdout, stderr } = await runDemo(['--calls', '20']);
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/\[demo\] 20 spans/);

    const rows = tableRows(stdout);
    expect([...rows.keys()]).toEqual(['1', '2']);
    expect(rows.get('1')).toMatch(/^production\s/);
    expect(rows.get('2')).toMatch(/^canary\s/);

    const calls = [...rows.values()].map((r) => Number(r.split(/\s+/)[1]));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(20);
    const errors = [...rows.values()].map((r) => Number(r.split(/\s+/)[2]));
    expect(errors.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(stdout).toMatch(/\((?:429|500)×\d/);

    for (const row of rows.values()) {
      const cost = /\$(\d+\.\d+)$/.exec(row);
      expect(cost, `no cost in: ${row}`).not.toBeNull();
      expect(Number(cost?.[1])).toBeGreaterThan(0);
    }
    expect(stdout).toMatch(/gen_ai\.client\.operation\.duration: [1-9]\d* \/ [1-9]/);
  }, 60_000);
});
