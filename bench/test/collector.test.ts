// Smoke test of the collector capacity benchmark: a `--quick` run builds telemetrygen from its Go module, loads the
// empty and the gateway pipeline, and writes a table with both and their ratio. The figures are never asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const RUNNER = fileURLToPath(new URL('../collector.mjs', import.meta.url));

describe('collector capacity bench (--quick)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promptscope-collector-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures the empty and the gateway pipeline in one run and writes their ratio', () => {
    const out = join(dir, 'COLLECTOR.md');
    const r = spawnSync(process.execPath, [RUNNER, '--quick', '--out', out], { encoding: 'utf8', timeout: 900_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('Smoke run (`--quick`)');
    const rows = md.split('\n').filter((l) => /^\| (empty|promptscope gateway)/.test(l));
    expect(rows).toHaveLength(2);
    // both pipelines accepted spans from telemetrygen, and the CPU they used was read
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      expect(Number(cells[3].replaceAll(',', '')), row).toBeGreaterThan(0);
      expect(Number(cells[4]), row).toBeGreaterThan(0);
    }
    expect(md).toMatch(
      /\*\*Ratio: the gateway pipeline sustains \d+\.\d\d × the empty pipeline's spans per CPU-second\*\*/,
    );
  }, 900_000);
});
