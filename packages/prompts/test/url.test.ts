import { createServer } from 'node:net';
import { createOtelHarness } from '@promptscope/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPromptClient, type PromptClient, PromptError, type Registry } from '../src/index.js';
import { type StaticServer, seed, serveFolder, sleep, tempDir, until } from './helpers.js';

const harness = createOtelHarness();
afterAll(() => harness.shutdown());

let dir: string;
let registry: Registry;
let cleanup: () => void;
let server: StaticServer;
const clients: PromptClient[] = [];
beforeEach(async () => {
  harness.reset();
  ({ dir, cleanup } = tempDir());
  registry = await seed(dir);
  server = await serveFolder(dir);
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
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

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('createPromptClient with an HTTP(S) URL', () => {
  it('polls labels.json with ETags, fetches each version file once, and follows a rollback', async () => {
    const prompts = client({ source: { url: `${server.url}/` }, ttlMs: 400 });
    expect((await prompts.get('support-reply')).version).toBe(2);
    expect(Object.fromEntries(server.hits)).toEqual({ '/support-reply/labels.json': 1, '/support-reply/v2.yaml': 1 });

    // Within the TTL: no requests.
    await prompts.get('support-reply');
    expect(server.total()).toBe(2);

    // After it: a conditional request answered 304, nothing else.
    await sleep(420);
    await prompts.get('support-reply');
    await prompts.refresh('support-reply');
    expect(server.notModified).toBeGreaterThanOrEqual(1);
    expect(server.hits.get('/support-reply/v2.yaml')).toBe(1);

    await registry.rollback('support-reply');
    await sleep(420);
    expect((await prompts.get('support-reply')).version).toBe(2); // stale, while revalidating
    await until(async () => (await prompts.get('support-reply')).version === 1, 2000, 'v1 over HTTP');
    expect(server.hits.get('/support-reply/v1.yaml')).toBe(1);
  });

  it('keeps the last good copy through 5xx answers and timeouts, counting each failure', async () => {
    const prompts = client({ source: { url: server.url, timeoutMs: 100 }, ttlMs: 20 });
    expect((await prompts.get('support-reply')).version).toBe(2);
    server.failWith = 503;
    await sleep(30);
    await prompts.refresh('support-reply');
    expect((await prompts.get('support-reply')).version).toBe(2);
    server.failWith = undefined;
    server.delayMs = 300;
    await sleep(30);
    await prompts.refresh('support-reply');
    expect((await prompts.get('support-reply')).version).toBe(2);
    expect((await counted('promptscope.prompts.refresh_errors'))['support-reply/unreachable']).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('on a cold start with nothing reachable: the bundled version, else a clear error', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const err = await errorOf(client({ source: { url } }).get('support-reply'));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(new RegExp(`^cannot fetch ${url}/support-reply/labels\\.json: ECONNREFUSED`));

    const prompts = client({ source: { url }, bundledDir: dir });
    const p = await prompts.get('support-reply');
    expect([p.version, p.source]).toEqual([2, 'fallback']);
    expect(await counted('promptscope.prompts.fallbacks')).toEqual({ 'support-reply/unreachable': 1 });
  });

  it('replaces the fallback with the registry copy once the URL answers', async () => {
    server.failWith = 503;
    await registry.rollback('support-reply'); // the registry says v1; the bundle (same folder, read at start) too.
    const prompts = client({ source: { url: server.url }, bundledDir: dir, ttlMs: 30 });
    const first = await prompts.get('support-reply');
    expect([first.version, first.source]).toEqual([1, 'fallback']);
    server.failWith = undefined;
    await sleep(40);
    await prompts.get('support-reply');
    await until(async () => (await prompts.get('support-reply')).source === 'registry', 2000, 'the registry copy');
  });

  it('reports an unknown prompt as the URL answered it', async () => {
    const err = await errorOf(client({ source: { url: server.url } }).get('nope'));
    expect([err.code, err.message]).toEqual([
      'unknown_prompt',
      `unknown prompt "nope": ${server.url}/nope/labels.json returned 404`,
    ]);
    expect(() => createPromptClient({ source: { url: 'ftp://x' } })).toThrow(/must be http\(s\)/);
  });
});
