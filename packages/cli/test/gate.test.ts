/**
 * `promptscope test`, `test merge` and the gated `prompt promote` from a terminal: a separate process,
 * configured by flags and the provider SDKs' own variables, with the exit codes CI reads, the JUnit a JUnit
 * parser reads, and the run's spans exported over OTLP.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OtlpReceiver, startOtlpReceiver } from '@promptscope/testing';
import { parse as parseJunit } from 'junit2json';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BAD, BANK, GOOD, PROMPT, scriptByVersion, type Workspace, workspace } from '../../eval/test/helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
let ws: Workspace;
let receiver: OtlpReceiver;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (this test spawns the CLI)`);
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  ws = await workspace();
  await ws.writeBank(BANK);
  receiver.reset();
  scriptByVersion(ws.fake, (v) => ({ content: v === 2 ? BAD : GOOD }));
});
afterEach(() => ws.close());

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: ws.dir,
      ...ws.env,
      PROMPTSCOPE_CACHE_DIR: join(ws.dir, 'cache'),
      PROMPTSCOPE_USER: 'ci',
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

describe('promptscope test (CLI)', () => {
  it('exits 1 when the candidate breaks a case, naming the case and the assertion; 0 for a clean one', async () => {
    const bad = await cli(['test', PROMPT, '--candidate', '2', '--baseline', 'production']);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/!refund\s+fail NEW\s+pass\s.*icontains: does not contain "refund"/);
    expect(bad.stdout).toMatch(/ tone\s+fail NEW\s+pass\s.*not-contains: not: contains "guarantee"/);
    expect(bad.stdout).toMatch(/FAIL critical cases pass: failing: refund/);
    expect(lastLine(bad.stdout)).toBe('1 passed, 2 failed');
    const good = await cli(['test', PROMPT, '--candidate', 'production']);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(lastLine(good.stdout)).toBe('3 passed, 0 failed');
  });

  it('exits 2 on a malformed bank, naming the file, case and field', async () => {
    await ws.writeBank(BANK.replace('type: icontains,', 'type: icontain,'));
    const r = await cli(['test', PROMPT, '--candidate', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /prompt-tests\/support-reply\.yaml:\d+:\d+: case "refund": cases\[0\]\.assert\[0\]\.type: "icontain" is not an assertion type/,
    );
    expect(ws.fake.requests).toHaveLength(0);
  });

  it('exits 2 on usage and infrastructure errors, and --help documents the convention', async () => {
    expect((await cli(['test', PROMPT])).code).toBe(2);
    expect((await cli(['test', PROMPT, '--candidate', '1', '--max-cost-increase', '10%'])).stderr).toMatch(
      /budgets against a baseline/,
    );
    const down = await cli(['test', PROMPT, '--candidate', '1', '--no-cache', '--retries', '1'], {
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    expect(down.code).toBe(2);
    expect(down.stdout).toMatch(/ERROR: 3 run\(s\) or check\(s\) could not be made properly; no verdict/);
    expect((await cli(['prompt', 'show'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.stdout).toMatch(
      /Exit codes, every command:\n {2}0 {2}done, or the gate passed\n {2}1 {2}a gate said no/,
    );
  });

  it('writes JUnit that a JUnit parser reads: a suite per prompt version, failures apart from errors', async () => {
    scriptByVersion(ws.fake, (v, ticket) => ({
      content: v === 2 ? (ticket === 3 ? 'x'.repeat(3) : BAD) : GOOD,
      ...(v === 2 && ticket === 2 ? { status: 400 } : {}),
    }));
    await ws.writeBank(
      `${BANK}  - id: judged\n    vars: { ticket: 4, question: "Ok?" }\n    assert: [{ type: llm-rubric, value: "Polite" }]\n`,
    );
    scriptByVersion(ws.fake, (v) =>
      v === 'judge' ? { content: 'I think it is fine' } : { content: v === 2 ? BAD : GOOD },
    );
    const r = await cli([
      'test',
      PROMPT,
      '--candidate',
      '2',
      '--baseline',
      '1',
      '--junit',
      'junit.xml',
      '--json',
      'report.json',
    ]);
    expect(r.code).toBe(1);
    const junit = (await parseJunit(await readFile(join(ws.dir, 'junit.xml'), 'utf8'))) as {
      tests: number;
      testsuite: {
        name: string;
        tests: number;
        failures: number;
        errors: number;
        testcase: { name: string; failure?: { message: string }[]; error?: { message: string }[] }[];
      }[];
    };
    expect(junit.testsuite.map((s) => [s.name, s.tests, s.failures, s.errors])).toEqual([
      ['support-reply v2 (openai/gpt-4o-mini)', 4, 2, 1],
      ['support-reply v1 (openai/gpt-4o-mini)', 4, 0, 1],
    ]);
    const v2 = junit.testsuite[0]?.testcase ?? [];
    expect(v2.find((c) => c.name === 'refund')?.failure?.[0]?.message).toBe(
      'icontains: does not contain "refund" (any case)',
    );
    expect(v2.find((c) => c.name === 'judged')?.error?.[0]?.message).toMatch(
      /the judge's reply is not JSON: "I think it is fine"/,
    );
    expect(v2.find((c) => c.name === 'steps')?.failure).toBeUndefined();
    const report = JSON.parse(await readFile(join(ws.dir, 'report.json'), 'utf8'));
    const refund = report.cases.find((c: { id: string }) => c.id === 'refund').candidate.records[0];
    expect(refund).toMatchObject({ output: BAD, cached: false, tokens: { input: 12, output: 7 } });
    expect(typeof refund.latencyMs).toBe('number');
    expect(typeof refund.ttftMs).toBe('number');
    expect(typeof refund.costUsd).toBe('number');
    expect(refund.assertions.map((a: { type: string; pass: boolean }) => [a.type, a.pass])).toEqual([
      ['latency', true],
      ['icontains', false],
    ]);
  });

  it('exports the run to the OTLP endpoint: test.* attributes on every span, the link to the production span', async () => {
    const prod = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    await ws.writeBank(`${BANK}    source: { traceId: ${prod.traceId}, spanId: "${prod.spanId}" }\n`);
    const r = await cli(['test', PROMPT, '--candidate', '1', '--run-id', 'ci-77'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    expect(r.code, r.stderr).toBe(0);
    const spans = receiver.spans();
    const cases = spans.filter((s) => s.name.startsWith('test '));
    expect(cases).toHaveLength(3);
    for (const s of spans) {
      expect(s.resource['service.name']).toBe('promptscope-test');
      expect(s.attributes).toMatchObject({
        'test.suite.name': PROMPT,
        'test.suite.run.id': 'ci-77',
        'promptscope.run.kind': 'test',
      });
      expect(typeof s.attributes['test.case.name']).toBe('string');
    }
    expect(spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat')).toHaveLength(3);
    expect(cases.map((s) => s.attributes['test.case.result.status'])).toEqual(['pass', 'pass', 'pass']);
    expect(cases.find((s) => s.name === 'test steps')?.links).toEqual([{ ...prod, attributes: {} }]);
    // test calls add nothing to production metrics; the run reports itself on promptscope.eval.*
    const metrics = receiver.metrics();
    expect(metrics.map((m) => m.name).sort()).toEqual([
      'promptscope.eval.cases',
      'promptscope.eval.cost_usd',
      'promptscope.eval.duration',
    ]);
    // each run is its own service instance: one series per run, which the Prompt tests dashboard sums
    const instance = metrics[0].resource['service.instance.id'];
    expect(instance).toMatch(/^[0-9a-f-]{36}$/);
    for (const m of metrics) expect(m.resource['service.instance.id']).toBe(instance);
    const cases3 = metrics.find((m) => m.name === 'promptscope.eval.cases');
    expect(cases3?.points).toEqual([
      expect.objectContaining({
        value: 3,
        attributes: {
          'gen_ai.prompt.name': PROMPT,
          'promptscope.eval.candidate': 'v1',
          'promptscope.eval.outcome': 'pass',
          'promptscope.run.kind': 'test',
        },
      }),
    ]);
  });

  it('test merge turns the shards of one run into the verdict of the whole bank', async () => {
    const a = await cli(['test', PROMPT, '--candidate', '2', '--baseline', '1', '--shard', '1/2', '--json', 's1.json']);
    const b = await cli(['test', PROMPT, '--candidate', '2', '--baseline', '1', '--shard', '2/2', '--json', 's2.json']);
    const total = (s: string) =>
      lastLine(s)
        ?.match(/^(\d+) passed, (\d+) failed$/)
        ?.slice(1)
        .map(Number) ?? [];
    const [pa = 0, fa = 0] = total(a.stdout);
    const [pb = 0, fb = 0] = total(b.stdout);
    expect(pa + fa + pb + fb).toBe(3);
    const merged = await cli(['test', 'merge', 's1.json', 's2.json', '--junit', 'merged.xml']);
    expect(merged.code).toBe(1);
    expect(lastLine(merged.stdout)).toBe('1 passed, 2 failed');
    const missing = await cli(['test', 'merge', 's1.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing shard\(s\) 2\/2/);
  });
});

describe('promptscope prompt promote, gated', () => {
  const log = async () =>
    (await readFile(join(ws.registry.root, PROMPT, 'changelog.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  it('refuses without a passing report for the exact sha256, allows with one, and --force --reason is logged', async () => {
    const refused = await cli(['prompt', 'promote', PROMPT, '3', '--to', 'production']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /refused: "production" is gated and support-reply has a test bank .* no passing report exists for v3 \(sha256 [0-9a-f]{64}\)/,
    );
    // a failing report does not count either
    expect((await cli(['test', PROMPT, '--candidate', '2'])).code).toBe(1);
    const stillRefused = await cli(['prompt', 'promote', PROMPT, '2', '--to', 'production']);
    expect(stillRefused.code).toBe(1);
    expect(stillRefused.stderr).toMatch(/not counted: v2-.*: the gate failed \(1 passed, 2 failed\)/);
    // v3 passes its gate, then promotes
    expect((await cli(['test', PROMPT, '--candidate', '3', '--baseline', 'production'])).code).toBe(0);
    const allowed = await cli(['prompt', 'promote', PROMPT, '3', '--to', 'production']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toBe('support-reply: production v1 -> v3\n');
    expect((await log()).at(-1)).toMatchObject({
      action: 'promote',
      label: 'production',
      to: 3,
      report: expect.stringMatching(/\.reports\/support-reply\/v3-/),
    });
    // staging is not gated by default
    expect((await cli(['prompt', 'promote', PROMPT, '2', '--to', 'staging'])).code).toBe(0);
    // --force needs a reason, and is recorded
    expect((await cli(['prompt', 'promote', PROMPT, '2', '--to', 'production', '--force'])).code).toBe(2);
    const forced = await cli([
      'prompt',
      'promote',
      PROMPT,
      '2',
      '--to',
      'production',
      '--force',
      '--reason',
      'hotfix, tests are broken',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe('support-reply: production v3 -> v2 (forced, logged)\n');
    expect((await log()).at(-1)).toMatchObject({
      action: 'promote',
      to: 2,
      forced: true,
      note: 'hotfix, tests are broken',
      by: 'ci',
    });
  });

  it('a model override does not vouch for the version; gated labels come from the config', async () => {
    expect((await cli(['test', PROMPT, '--candidate', '3', '--model', 'gpt-4o'])).code).toBe(0);
    const refused = await cli(['prompt', 'promote', PROMPT, '3', '--to', 'production']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/made on another model\/provider/);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(ws.dir, 'promptscope.config.yaml'), 'promote:\n  gated: [staging]\n');
    expect((await cli(['prompt', 'promote', PROMPT, '3', '--to', 'production'])).code).toBe(0);
    expect((await cli(['prompt', 'promote', PROMPT, '2', '--to', 'staging'])).code).toBe(1);
  });
});
