import { PROVIDER } from '@promptscope/core/provider';

/**
 * The SDK's `ApiClient`, which every module (`Models`, `Chats`, ...) keeps as `this.apiClient`: it knows
 * whether the client was made for Vertex AI and its base URL. Only its read-only getters are called.
 */
interface ApiClientLike {
  isVertexAI?: () => unknown;
  getBaseUrl?: () => unknown;
}

type Obj = Record<string, unknown>;

const asClient = (client: unknown): ApiClientLike | undefined =>
  client !== null && typeof client === 'object' ? (client as ApiClientLike) : undefined;

/** `gcp.vertex_ai` for a client made with `vertexai: true` (project and location, or express mode), else `gcp.gemini`. */
export function providerOf(client: unknown): string {
  const c = asClient(client);
  return typeof c?.isVertexAI === 'function' && c.isVertexAI() === true ? PROVIDER.GCP_VERTEX_AI : PROVIDER.GCP_GEMINI;
}

const servers = new WeakMap<object, { address?: string; port?: number }>();

export function serverOf(client: unknown): { address?: string; port?: number } {
  const c = asClient(client);
  if (c === undefined) return {};
  let server = servers.get(c);
  if (server === undefined) {
    server = {};
    try {
      const base = typeof c.getBaseUrl === 'function' ? c.getBaseUrl() : undefined;
      if (typeof base === 'string') {
        const url = new URL(base);
        server = {
          address: url.hostname,
          port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
        };
      }
    } catch {
      // No usable base URL: leave the server attributes out rather than guess.
    }
    servers.set(c, server);
  }
  return server;
}

/** The `Models` class a module (CJS exports, ESM namespace) exports, with the methods we patch. */
function modelsOf(m: Obj): unknown {
  const models = m.Models;
  return typeof models === 'function' &&
    typeof (models as { prototype?: Obj }).prototype?.generateContentInternal === 'function'
    ? models
    : undefined;
}

const probed = new WeakMap<object, Obj | null>();

/**
 * Where the targets' paths start: `{ Models }`, from the module, or, when the caller hands us the
 * `GoogleGenAI` class itself, from a throwaway client's `models` (built with a probe key: the constructor
 * makes no request and asks for no credential).
 */
export function modelsRoot(moduleExports: unknown): Obj | undefined {
  if (moduleExports === null || (typeof moduleExports !== 'object' && typeof moduleExports !== 'function')) {
    return undefined;
  }
  const m = moduleExports as Obj;
  for (const candidate of [m, m.default]) {
    if (candidate !== null && (typeof candidate === 'object' || typeof candidate === 'function')) {
      const models = modelsOf(candidate as Obj);
      if (models !== undefined) return { Models: models };
    }
  }
  const cls = [m.GoogleGenAI, m].find(
    (c) => typeof c === 'function' && (c as { name?: unknown }).name === 'GoogleGenAI',
  ) as (new (opts: Obj) => Obj) | undefined;
  if (cls === undefined) return undefined;
  let root = probed.get(cls);
  if (root === undefined) {
    root = null;
    try {
      const models = (new cls({ apiKey: 'promptscope-probe' }).models as { constructor?: unknown } | undefined)
        ?.constructor;
      if (typeof models === 'function' && modelsOf({ Models: models }) !== undefined) root = { Models: models };
    } catch {
      // A constructor that wants more than we give it: nothing to patch, and `instrument()` says so.
    }
    probed.set(cls, root);
  }
  return root ?? undefined;
}
