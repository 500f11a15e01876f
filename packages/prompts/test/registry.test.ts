import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labelStack, PromptError, sha256 } from '../src/index.js';
import { seed, tempDir, V1 } from './helpers.js';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function root(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PromptError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('Registry (the files the CLI edits)', () => {
  it('writes immutable versions, labels with the sha256 of the exact bytes, and an append-only log', async () => {
    const dir = root();
    const registry = await seed(dir);
    const folder = join(dir, 'support-reply');
    const labels = JSON.parse(readFileSync(join(folder, 'labels.json'), 'utf8'));
    expect(labels).toEqual({
      latest: { version: 2, sha256: sha256(readFileSync(join(folder, 'v2.yaml'))) },
      production: { version: 2, sha256: sha256(readFileSync(join(folder, 'v2.yaml'))) },
      staging: { version: 2, sha256: sha256(readFileSync(join(folder, 'v2.yaml'))) },
    });
    const log = readFileSync(join(folder, 'changelog.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.map((e) => [e.action, e.label, e.from, e.to])).toEqual([
      ['new', 'latest', undefined, 1],
      ['new', 'latest', 1, 2],
      ['promote', 'production', undefined, 1],
      ['promote', 'production', 1, 2],
      ['promote', 'staging', undefined, 2],
    ]);
    expect(log.every((e) => e.by === 'test' && typeof e.at === 'string' && /^[0-9a-f]{64}$/.test(e.sha256))).toBe(true);
    expect((await registry.list()).map((p) => [p.name, p.versions])).toEqual([['support-reply', [1, 2]]]);
  });

  it('rollback walks the label history back, one step at a time, and says when there is none', async () => {
    const registry = await seed(root());
    await registry.create('support-reply', { yaml: V1.replace('version: 1\n', '') });
    await registry.promote('support-reply', 3, 'production');
    expect((await registry.rollback('support-reply')).to).toBe(2);
    expect((await registry.rollback('support-reply')).to).toBe(1);
    expect(await codeOf(registry.rollback('support-reply'))).toMatch(
      /^refused: no earlier version of "support-reply" is recorded for label "production" \(it points at v1\)/,
    );
    // An explicit target works without history; staging was only ever v2.
    expect(await codeOf(registry.rollback('support-reply', 'staging'))).toMatch(/^refused: no earlier version/);
    expect((await registry.rollback('support-reply', 'staging', { to: 1, note: 'bad tone' })).note).toBe('bad tone');
    expect(labelStack(await registry.history('support-reply'), 'production').map((s) => s.version)).toEqual([1]);
  });

  it('refuses to overwrite, to promote a tampered file, and names what is missing', async () => {
    const dir = root();
    const registry = await seed(dir);
    expect(await codeOf(registry.promote('support-reply', 9, 'production'))).toBe(
      'unknown_version: prompt "support-reply" has no version 9; versions: v1, v2',
    );
    expect(await codeOf(registry.promote('nope', 1, 'production'))).toMatch(
      /^unknown_prompt: unknown prompt "nope" in .*; known prompts: support-reply$/,
    );
    expect(await codeOf(registry.promote('support-reply', 1, 'latest'))).toMatch(/^refused: "latest" is maintained/);
    expect(await codeOf(registry.promote('support-reply', 1, 'Prod!'))).toMatch(/^refused: invalid label/);
    expect(await codeOf(registry.create('../etc', { yaml: V1 }))).toMatch(/^refused: invalid prompt name/);
    expect(await codeOf(registry.create('support-reply', { yaml: 'model: [' }))).toMatch(/^invalid: /);

    appendFileSync(join(dir, 'support-reply', 'v2.yaml'), '# edited in place\n');
    expect(await codeOf(registry.read('support-reply', 2))).toMatch(
      /^sha256_mismatch: .*v2\.yaml was changed after it was labelled: label "(latest|production|staging)" recorded sha256 [0-9a-f]{64}, the file has [0-9a-f]{64}$/,
    );
    expect(await codeOf(registry.promote('support-reply', 2, 'canary'))).toMatch(/^sha256_mismatch/);

    // Rolling back onto a version whose bytes changed since it was labelled is refused too.
    writeFileSync(
      join(dir, 'support-reply', 'v1.yaml'),
      readFileSync(join(dir, 'support-reply', 'v1.yaml'), 'utf8') + '# x\n',
    );
    expect(await codeOf(registry.rollback('support-reply'))).toMatch(/^sha256_mismatch: .*refusing to roll back/);
  });
});
