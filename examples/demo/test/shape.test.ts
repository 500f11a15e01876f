import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The demo's exported telemetry keeps the shape pinned in scripts/telemetry-shape.json: the same span names,
// metric names, log events and attribute keys. A restructuring must not change it; a change that means to
// runs `node scripts/telemetry-shape.mjs --write` and the diff shows in review.
const SCRIPT = fileURLToPath(new URL('../../../scripts/telemetry-shape.mjs', import.meta.url));

describe('the demo telemetry shape', () => {
  it('matches scripts/telemetry-shape.json (names and attribute keys of every span, metric and log event)', async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [SCRIPT, '--check'], { timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^telemetry-shape: 6 span names, 10 metrics, 1 log events, as pinned/);
  }, 150_000);
});
