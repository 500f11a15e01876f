/**
 * `promptscope replay` from a terminal: a separate process reading the collector's replay file, the fake
 * provider scripted per version, the reports it writes, the exit codes a CI job reads, and the run's spans
 * and run metrics exported over OTLP.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OtlpReceiver, startOtlpReceiver } from '@promptscope/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROMPT, type Workspace, workspace } from '../../eval/test/helpers.js';
import { productionTraffic, REPLAY_BANK, scriptV2, type Traffic } from '../../eval/test/replay-traffic.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
let ws: Workspace;
let receiver: OtlpReceiver;
let traffic: Traffic;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (this test spawns the CLI)`);
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  ws = await workspace();
  await ws.writeBank(REPLAY_BANK);
  traffic = await productionTraffic(ws, join(ws.dir, 'replay.jsonl'));
  ws.fake.reset();
  scriptV2(ws.fake);
  receiver.reset();
});
afterEach(() => ws.close());

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: ws.dir,
      ...ws.env,
      PROMPTSCOPE_CACHE_DIR: join(ws.dir, 'cache'),
      ...extraEnv,
    };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ws.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);
const replay = (...more: string[]) => ['replay', PROMPT, '--candidate', '2', '--source', traffic.file, ...more];
const chat = () => ws.fake.requests.filter((r) => r.path.endsWith('/chat/completions'));

describe('promptscope replay (CLI)', () => {
  it('replays the file, writes the JSON, Markdown and HTML reports, and exports its spans and run metrics', async () => {
    const r = await cli(replay('--json', 'r.json', '--markdown', 'r.md', '--html', 'r.html'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^! This report holds production content/);
    expect(r.stdout).toMatch(/6 inputs replayed: 1 improved, 2 regressed, 3 unchanged, 0 errors; 3 outputs changed/);
    expect(r.stdout).toMatch(/2 skipped: 2 no captured content/);
    expect(r.stdout).toMatch(/REGRESSED c-[0-9a-f]{10}: icontains failed on the candidate/);
    expect(lastLine(r.stdout)).toBe('4 passed, 2 failed');
    const json = JSON.parse(await readFile(join(ws.dir, 'r.json'), 'utf8'));
    expect(json).toMatchObject({ schema: 'promptscope.replay-report/1', containsProductionContent: true });
    expect(json.summary).toMatchObject({ improved: 1, regressed: 2, unchanged: 3, skipped: 2 });
    const md = await readFile(join(ws.dir, 'r.md'), 'utf8');
    expect(md).toMatch(/\| 6 \| 1 \| 2 \| 3 \| 0 \| 3 \| 2 \|/);
    expect(md).toMatch(/production content/);
    expect(md.length).toBeLessThan(65_536);
    const html = await readFile(join(ws.dir, 'r.html'), 'utf8');
    expect(html.split('\n')[0]).toMatch(/^<!-- promptscope replay report: holds production content/);

    await receiver.waitFor(() => receiver.metrics().some((m) => m.name === 'promptscope.eval.cases'), 10_000);
    const spans = receiver.spans().filter((s) => s.name.startsWith('replay '));
    expect(spans).toHaveLength(6);
    expect(spans.every((s) => s.attributes['promptscope.run.kind'] === 'replay')).toBe(true);
    const cases = receiver.metrics().filter((m) => m.name === 'promptscope.eval.cases');
    const byOutcome: Record<string, number> = {};
    for (const p of cases.flatMap((m) => m.points))
      byOutcome[String(p.attributes['promptscope.eval.outcome'])] =
        (byOutcome[String(p.attributes['promptscope.eval.outcome'])] ?? 0) + (p.value ?? 0);
    expect(byOutcome).toEqual({ improved: 1, regressed: 2, unchanged: 3, skipped: 2 });
    expect(cases[0]?.points[0]?.attributes).toMatchObject({
      'gen_ai.prompt.name': PROMPT,
      'promptscope.eval.candidate': 'v2',
      'promptscope.run.kind': 'replay',
    });
    // a run's provider calls are never production GenAI metrics
    expect(receiver.metrics().filter((m) => m.name.startsWith('gen_ai.client.'))).toEqual([]);
  });

  it('gates with --fail-on: exit 1 past a limit, 0 within it, 2 for a word it does not know', async () => {
    const strict = await cli(replay('--fail-on', 'max-regressions=0'));
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stdout).toMatch(/✗ regressions: 2 regressed \(allowed 0\)/);
    expect(lastLine(strict.stdout)).toBe('4 passed, 2 failed');
    const lenient = await cli(replay('--fail-on', 'max-regressions=2,max-new-failures=2'));
    expect(lenient.code, lenient.stdout).toBe(0);
    const typo = await cli(replay('--fail-on', 'max-regresions=0'));
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--fail-on "max-regresions=0": not one of the policy words/);
  });

  it('--dry-run prints what would be sent and the estimate, and sends nothing', async () => {
    const r = await cli(replay('--dry-run'));
    expect(r.code, r.stderr).toBe(0);
    expect(chat()).toHaveLength(0);
    expect(r.stdout.match(/^would send c-[0-9a-f]{10} \(rendered/gm)).toHaveLength(6);
    expect(r.stdout).toMatch(/\[system\] You answer support tickets for Acme \(prompt v2\)\./);
    expect(r.stdout).toMatch(/dry run: 6 inputs, 6 calls, estimated \$0\.\d+; 2 skipped; nothing was sent/);
  });

  it('--max-cost runs only what the estimate allows', async () => {
    const dry = await cli(replay('--dry-run'));
    const each = Number(/openai\/gpt-4o-mini ~\d+\+\d+ tokens \$([\d.]+)/.exec(dry.stdout)?.[1]);
    expect(each).toBeGreaterThan(0);
    const r = await cli(replay('--max-cost', String(each * 3.5)));
    expect(r.code, r.stderr).toBe(0);
    expect(chat()).toHaveLength(3);
    expect(r.stdout).toMatch(/^ {2}3 inputs replayed/m);
    expect(r.stdout).toMatch(/stopped at --max-cost/);
  });

  it('exits 2 with what to do when the replay file is missing', async () => {
    const r = await cli(['replay', PROMPT, '--candidate', '2', '--source', 'nowhere.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such replay file.*collector\.replay\.yaml/);
  });
});
