import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getPrompt } from '@promptscope/core';
import { createOtelHarness } from '@promptscope/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPromptClient,
  dirSource,
  type PromptClient,
  PromptError,
  type PromptSource,
  pinVariable,
  type Registry,
  sha256,
} from '../src/index.js';
import { seed, sleep, tempDir, until } from './helpers.js';

const harness = createOtelHarness();
afterAll(() => harness.shutdown());

let dir: string;
let registry: Registry;
let cleanup: () => void;
const clients: PromptClient[] = [];
beforeEach(async () => {
  harness.reset();
  ({ dir, cleanup } = tempDir());
  registry = await seed(dir);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  cleanup();
});
function client(options: Parameters<typeof createPromptClient>[0]): PromptClient {
  const c = createPromptClient({ env: {}, ...options });
  clients.push(c);
  return c;
}

async function errorOf(p: Promise<unknown>): Promise<PromptError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PromptError) return err;
    throw err;
  }
  throw new Error('expected a PromptError');
}

async function counted(metric: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await harness.metricPoints(metric)) {
    out[`${p.attributes['gen_ai.prompt.name']}/${p.attributes['error.type']}`] = p.value as number;
  }
  return out;
}

/** A dir source that counts labels.json reads. */
function counting(inner: PromptSource): PromptSource & { labelReads: number } {
  const s = {
    labelReads: 0,
    description: inner.description,
    labels(name: string, etag?: string) {
      s.labelReads++;
      return inner.labels(name, etag);
    },
    version: (name: string, v: number) => inner.version(name, v),
  };
  return s;
}

describe('createPromptClient with a folder', () => {
  it('resolves labels and versions, renders, and sets the prompt context', async () => {
    const prompts = client({ source: { dir } });
    const p = await prompts.get('support-reply');
    expect([p.name, p.version, p.label, p.source, p.pinned, p.type, p.model]).toEqual([
      'support-reply',
      2,
      'production',
      'registry',
      false,
      'chat',
      'gpt-4o-mini',
    ]);
    expect(p.sha256).toBe(sha256(readFileSync(join(dir, 'support-reply', 'v2.yaml'))));
    expect(p.parameters).toEqual({ temperature: 0.4, max_tokens: 200 });
    expect(p.request({ product: 'Acme', question: 'Hi?' })).toEqual({
      temperature: 0.4,
      max_tokens: 200,
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a friendly expert on Acme. Answer in English.' },
        { role: 'user', content: 'Hi?' },
      ],
    });
    expect(p.run(() => getPrompt())).toEqual({
      name: 'support-reply',
      version: '2',
      label: 'production',
      sha256: p.sha256,
      source: 'registry',
    });
    const v1sha = sha256(readFileSync(join(dir, 'support-reply', 'v1.yaml')));
    expect(await prompts.use('support-reply', { version: 1 }, async (v1) => [v1.version, getPrompt()])).toEqual([
      1,
      { name: 'support-reply', version: '1', label: undefined, sha256: v1sha, source: 'registry' },
    ]);
    expect((await prompts.get('support-reply', { label: 'staging' })).version).toBe(2);
    expect(Object.isFrozen(p) && Object.isFrozen(p.spec.messages)).toBe(true);
  });

  it('gives errors the caller can act on', async () => {
    const prompts = client({ source: { dir } });
    expect((await errorOf(prompts.get('support-replyy'))).message).toMatch(
      /^unknown prompt "support-replyy" in .* \(no support-replyy\/labels\.json\); known prompts: support-reply$/,
    );
    const label = await errorOf(prompts.get('support-reply', { label: 'prod' }));
    expect([label.code, label.message]).toEqual([
      'unknown_label',
      'prompt "support-reply" has no label "prod"; its labels: latest (v2), production (v2), staging (v2)',
    ]);
    expect((await errorOf(prompts.get('support-reply', { version: 7 }))).code).toBe('unknown_version');
    expect((await errorOf(prompts.get('../x'))).message).toMatch(/invalid prompt name/);
    expect((await errorOf(client({ source: { dir: join(dir, 'missing') } }).get('a'))).code).toBe('unreachable');
  });

  it('serves from memory within the TTL, then stale while one background refresh runs', async () => {
    const source = counting(dirSource({ dir }));
    const prompts = client({ source, ttlMs: 1000 });
    expect((await prompts.get('support-reply')).version).toBe(2);
    expect(source.labelReads).toBe(1);
    await registry.rollback('support-reply');
    // Within the TTL: no read, the cached version.
    for (let i = 0; i < 20; i++) expect((await prompts.get('support-reply')).version).toBe(2);
    expect(source.labelReads).toBe(1);
    await sleep(1050);
    // Past the TTL: the stale copy at once, and a single refresh for a burst of gets.
    const burst = await Promise.all(Array.from({ length: 20 }, () => prompts.get('support-reply')));
    expect(burst.every((p) => p.version === 2)).toBe(true);
    expect(source.labelReads).toBe(2);
    await until(async () => (await prompts.get('support-reply')).version === 1, 2000, 'the rollback to be served');
    expect(source.labelReads).toBe(2);
  });

  it('keeps the last good copy when a version file was tampered with, and counts it', async () => {
    const errors: string[] = [];
    const prompts = client({ source: { dir }, ttlMs: 50, onError: (e) => errors.push(e.code) });
    expect((await prompts.get('support-reply')).version).toBe(2);
    // production -> v1 with v1's recorded sha, then v1's bytes change.
    const labelsFile = join(dir, 'support-reply', 'labels.json');
    const labels = JSON.parse(readFileSync(labelsFile, 'utf8'));
    labels.production = { version: 1, sha256: sha256(readFileSync(join(dir, 'support-reply', 'v1.yaml'))) };
    writeFileSync(labelsFile, JSON.stringify(labels));
    appendFileSync(join(dir, 'support-reply', 'v1.yaml'), 'description: injected\n');
    await sleep(80);
    await prompts.refresh('support-reply');
    expect((await prompts.get('support-reply')).version).toBe(2);
    expect(errors).toContain('sha256_mismatch');
    expect(await counted('promptscope.prompts.refresh_errors')).toMatchObject({ 'support-reply/sha256_mismatch': 1 });

    // Corrupt labels.json: still the last good copy.
    writeFileSync(labelsFile, '{"production": ');
    await prompts.refresh('support-reply');
    expect((await prompts.get('support-reply')).version).toBe(2);
    expect(await counted('promptscope.prompts.refresh_errors')).toMatchObject({ 'support-reply/invalid': 1 });

    // A fresh client has no last good copy: it gets the reason, with the file and both hashes.
    const cold = await errorOf(client({ source: { dir } }).get('support-reply'));
    expect(cold.code).toBe('invalid');
    writeFileSync(labelsFile, JSON.stringify(labels));
    const tampered = await errorOf(client({ source: { dir } }).get('support-reply'));
    expect(tampered.code).toBe('sha256_mismatch');
    expect(tampered.message).toMatch(
      /v1\.yaml was changed after it was labelled: label "production" recorded sha256 [0-9a-f]{64}, the file has [0-9a-f]{64}/,
    );
  });

  it('falls back to the bundled folder on a cold start when the source is unusable', async () => {
    const { dir: empty, cleanup: c2 } = tempDir();
    try {
      const prompts = client({ source: { dir: join(empty, 'not-mounted-yet') }, bundledDir: dir, ttlMs: 50 });
      const p = await prompts.get('support-reply');
      expect([p.version, p.label, p.source]).toEqual([2, 'production', 'fallback']);
      expect(await counted('promptscope.prompts.fallbacks')).toEqual({ 'support-reply/unreachable': 1 });
      // Unknown labels are not papered over by the fallback.
      expect(
        (await errorOf(client({ source: { dir }, bundledDir: dir }).get('support-reply', { label: 'x' }))).code,
      ).toBe('unknown_label');
    } finally {
      c2();
    }
  });

  it('honours an environment pin, and ignores (and reports) a malformed one', async () => {
    expect(pinVariable('support-reply')).toBe('PROMPTSCOPE_PROMPT_PIN_SUPPORT_REPLY');
    const pinned = client({ source: { dir }, env: { PROMPTSCOPE_PROMPT_PIN_SUPPORT_REPLY: 'v1' } });
    const p = await pinned.get('support-reply', { label: 'production' });
    expect([p.version, p.label, p.pinned]).toEqual([1, 'pinned', true]);
    expect(p.run(() => getPrompt())).toMatchObject({ name: 'support-reply', version: '1', label: 'pinned' });
    // An explicit version in code wins over the pin.
    expect((await pinned.get('support-reply', { version: 2 })).version).toBe(2);

    const errors: string[] = [];
    const bad = client({
      source: { dir },
      env: { PROMPTSCOPE_PROMPT_PIN_SUPPORT_REPLY: 'six' },
      onError: (e) => errors.push(e.message),
    });
    expect((await bad.get('support-reply')).version).toBe(2);
    expect(errors[0]).toMatch(/PROMPTSCOPE_PROMPT_PIN_SUPPORT_REPLY="six" is not a version/);
  });

  it('follows a watched folder without waiting for the TTL', async () => {
    const prompts = client({ source: { dir, watch: true }, ttlMs: 60_000 });
    expect((await prompts.get('support-reply')).version).toBe(2);
    await registry.rollback('support-reply');
    await until(async () => (await prompts.get('support-reply')).version === 1, 3000, 'the watched change');
  });
});
