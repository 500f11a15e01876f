import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { Registry } from '../src/index.js';

export const V1 = `name: support-reply
version: 1
model: gpt-4o-mini
parameters:
  temperature: 0.2
messages:
  - role: system
    content: You answer questions about {{product}}.
  - role: user
    content: "{{question}}"
variables:
  product: string
  question: string
`;

/** The same prompt, friendlier. Without name/version: `prompt new` fills them in. */
export const V2_BODY = `model: gpt-4o-mini
parameters:
  temperature: 0.4
  max_tokens: 200
messages:
  - role: system
    content: You are a friendly expert on {{product}}. Answer in {{language}}.
  - role: user
    content: "{{question}}"
variables:
  product: string
  question: string
  language: { type: string, default: English, enum: [English, French] }
`;

export function tempDir(prefix = 'promptscope-prompts-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** support-reply with v1 and v2; production went v1 -> v2, staging on v2. */
export async function seed(root: string): Promise<Registry> {
  const registry = new Registry(root);
  await registry.create('support-reply', { yaml: V1 }, { by: 'test' });
  await registry.create('support-reply', { yaml: V2_BODY }, { by: 'test' });
  await registry.promote('support-reply', 1, 'production', { by: 'test' });
  await registry.promote('support-reply', 2, 'production', { by: 'test' });
  await registry.promote('support-reply', 2, 'staging', { by: 'test' });
  return registry;
}

export interface StaticServer {
  url: string;
  /** Requests by path. */
  hits: Map<string, number>;
  /** Responses with 304. */
  notModified: number;
  total(): number;
  /** Make every request fail with this status (or undefined to serve normally). */
  failWith: number | undefined;
  /** Delay every answer. */
  delayMs: number;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 with strong ETags (sha256 of the bytes) and If-None-Match support. */
export async function serveFolder(root: string): Promise<StaticServer> {
  const state = {
    hits: new Map<string, number>(),
    notModified: 0,
    failWith: undefined as number | undefined,
    delayMs: 0,
  };
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
    if (state.failWith !== undefined) {
      res.writeHead(state.failWith).end('failing on purpose');
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    if (req.headers['if-none-match'] === etag) {
      state.notModified++;
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { etag, 'content-type': path.endsWith('.json') ? 'application/json' : 'text/yaml' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const out: StaticServer = {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    get notModified() {
      return state.notModified;
    },
    total: () => [...state.hits.values()].reduce((a, b) => a + b, 0),
    get failWith() {
      return state.failWith;
    },
    set failWith(v) {
      state.failWith = v;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v) {
      state.delayMs = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `pred` holds (or throws after `timeoutMs`). */
export async function until(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
