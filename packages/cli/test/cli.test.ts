import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { diffLines, formatDiff, type Io, parseValue, run } from '../src/index.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'promptscope-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command in-process with captured output. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (t) => (out += t), stderr: (t) => (err += t), env: { PROMPTSCOPE_USER: 'alice' }, cwd: dir };
  const code = await run(argv, io);
  return { code, out, err };
}

const CHAT = `# the support prompt
description: first cut
model: gpt-4o-mini
parameters: { temperature: 0.2 }
messages:
  - role: system
    content: You answer questions about {{product}}.
  - role: user
    content: "{{question}}"
variables:
  product: string
  question: string
`;

describe('promptscope prompt', () => {
  it('new, list, show, diff, promote, rollback, log on a folder', async () => {
    writeFileSync(join(dir, 'v.yaml'), CHAT);
    expect(await cli('prompt', 'new', 'support-reply', '--from', 'v.yaml')).toMatchObject({ code: 0 });
    const second = await cli(
      'prompt',
      'new',
      'support-reply',
      '--system',
      'Be brief about {{product}}.',
      '--user',
      '{{question}}',
      '--model',
      'gpt-4o',
      '--param',
      'temperature=0',
      '--param',
      'max_tokens=100',
    );
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/created .*support-reply\/v2\.yaml \(sha256 [0-9a-f]{64}\); latest -> v2/);
    const v1 = readFileSync(join(dir, 'prompts', 'support-reply', 'v1.yaml'), 'utf8');
    expect(v1.startsWith('name: support-reply\nversion: 1\n# the support prompt\n')).toBe(true);

    expect((await cli('prompt', 'promote', 'support-reply', '1', '--to', 'production')).out).toBe(
      'support-reply: production (new) -> v1\n',
    );
    expect((await cli('prompt', 'promote', 'support-reply', 'v2', '--to', 'production', '--note', 'shorter')).out).toBe(
      'support-reply: production v1 -> v2\n',
    );
    expect((await cli('prompt', 'list')).out).toBe(
      'NAME           VERSIONS  LABELS\nsupport-reply  v1,v2     latest=v2 production=v2\n',
    );
    const show = await cli('prompt', 'show', 'support-reply', '--version', '1');
    expect(show.out).toMatch(/^# support-reply v1 {2}sha256 [0-9a-f]{64} {2}labels: -\nname: support-reply\n/);
    expect(JSON.parse((await cli('prompt', 'show', 'support-reply', '--json')).out)).toMatchObject({
      version: 2,
      model: 'gpt-4o',
      labels: ['latest', 'production'],
    });
    const diff = await cli('prompt', 'diff', 'support-reply', '1', 'production');
    expect(diff.out).toContain('--- support-reply v1\n+++ support-reply v2 (production)\n');
    expect(diff.out).toContain('-    content: You answer questions about {{product}}.\n');
    expect(diff.out).toContain('+    content: Be brief about {{product}}.\n');

    expect((await cli('prompt', 'rollback', 'support-reply', '--reason', 'tone')).out).toContain('production v2 -> v1');
    const log = JSON.parse((await cli('prompt', 'log', 'support-reply', '--json')).out);
    expect(log.at(-1)).toMatchObject({
      action: 'rollback',
      label: 'production',
      from: 2,
      to: 1,
      by: 'alice',
      note: 'tone',
    });
    expect((await cli('prompt', 'log', 'support-reply')).out).toMatch(
      /rollback production +v2 -> v1 {2}by alice: tone\n$/,
    );
  });

  it('exits 1 with a message the user can act on', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['prompt', 'show', 'nope'], /unknown prompt "nope" in .*; known prompts: none/],
      [['prompt', 'new', 'x'], /needs --from <file.yaml>, or --template/],
      [['prompt', 'new', 'x', '--template', 'hi'], /--model is required/],
      [['prompt', 'promote', 'x', '1'], /needs --to <label>/],
      [['prompt', 'promote', 'x', 'one', '--to', 'production'], /invalid version "one"/],
      [['prompt', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['prompt', 'frobnicate'], /unknown command "prompt frobnicate"/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['label', 'not-a-token', '--name', 'x', '--value', '1'], /Invalid feedback token/],
      [['label', '0af7651916cd43dd8448eb211c80319c', '--name', 'x', '--value', '1'], /--span <16-hex span id>/],
      [
        ['label', 'pf1.x', '--name', 'x', '--value', 'meh'],
        /is a category label: list the allowed ones with --categories/,
      ],
      [['label', 'pf1.x', '--name', 'x', '--value', 'a', '--categories', 'a=x'], /expected label=score pairs/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect([argv.join(' '), r.code]).toEqual([argv.join(' '), 2]);
      expect(r.err).toMatch(message);
    }
    await cli('prompt', 'new', 'x', '--template', 'Hi {{who}}', '--model', 'm');
    appendFileSync(join(dir, 'prompts', 'x', 'v1.yaml'), '# tampered\n');
    const tampered = await cli('prompt', 'show', 'x', '--label', 'latest');
    expect(tampered.code).toBe(2);
    expect(tampered.err).toMatch(/v1\.yaml was changed after it was labelled/);
    expect((await cli('prompt', 'rollback', 'x', '--label', 'latest')).err).toMatch(/no earlier version/);
  });

  it('diffs lines', () => {
    expect(formatDiff(diffLines(['a', 'b', 'c'], ['a', 'c', 'd']), 'x', 'y')).toBe('--- x\n+++ y\n a\n-b\n c\n+d\n');
    expect(formatDiff(diffLines(['a'], ['a']), 'x', 'y')).toBe('');
  });

  it('reads label values as numbers, booleans or categories', () => {
    expect([parseValue('0.5'), parseValue('true'), parseValue('off-topic'), parseValue('')]).toEqual([
      0.5,
      true,
      'off-topic',
      '',
    ]);
  });
});

describe('the promptscope binary', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (these tests spawn the CLI)`);
  });

  it('runs from the built file with the documented exit codes and PROMPTSCOPE_PROMPTS_DIR', () => {
    const env = { ...process.env, PROMPTSCOPE_PROMPTS_DIR: join(dir, 'reg') };
    const created = spawnSync(
      process.execPath,
      [BIN, 'prompt', 'new', 'greet', '--template', 'Hello {{name}}', '--model', 'm'],
      {
        env,
        encoding: 'utf8',
      },
    );
    expect([created.status, created.stderr]).toEqual([0, '']);
    expect(existsSync(join(dir, 'reg', 'greet', 'v1.yaml'))).toBe(true);
    const missing = spawnSync(process.execPath, [BIN, 'prompt', 'show', 'greet', '--label', 'production'], {
      env,
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('promptscope: prompt "greet" has no label "production"; its labels: latest\n');
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('promptscope prompt <command>');
  });
});
