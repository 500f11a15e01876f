import { existsSync, type FSWatcher, readdirSync, unwatchFile, watch, watchFile } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, PromptError } from './errors.js';
import { versionFileName } from './spec.js';

/** labels.json as read from a source; `etag` lets the next read be conditional. */
export interface LabelsBody {
  text: string;
  etag?: string;
  /** Where it came from, for messages. */
  location: string;
}

/**
 * Where the client reads a registry from. Every method throws a {@link PromptError}: `unknown_prompt` /
 * `unknown_version` when the source answered "no such thing", `unreachable` when it could not answer.
 */
export interface PromptSource {
  /** For messages: the folder or base URL. */
  readonly description: string;
  /** Reads `<name>/labels.json`; `'not-modified'` when `etag` still matches. */
  labels(name: string, etag?: string): Promise<LabelsBody | 'not-modified'>;
  /** Reads `<name>/v<N>.yaml`, the exact bytes. */
  version(name: string, version: number): Promise<{ bytes: Uint8Array; location: string }>;
  /** The prompt names it holds, when it can tell. */
  list?(): Promise<string[]>;
  /** Calls `onChange` soon after `<name>`'s files change; returns a function that stops watching. */
  watch?(name: string, onChange: () => void): () => void;
}

export interface DirSourceOptions {
  dir: string;
  /** Follow changes with fs.watch (polling where fs.watch is unavailable) instead of only on TTL expiry. */
  watch?: boolean;
  /** Poll interval when fs.watch cannot be used. Default 1000 ms. */
  pollMs?: number;
  /** Events closer together than this are handled once. Default 25 ms. */
  debounceMs?: number;
}

/** A registry folder: bundled with the app, or on a volume / ConfigMap and watched. */
export function dirSource(options: DirSourceOptions): PromptSource {
  const root = resolve(options.dir);
  const pollMs = options.pollMs ?? 1000;
  const debounceMs = options.debounceMs ?? 25;

  async function knownNames(): Promise<string[]> {
    try {
      const entries = await readdir(root, { withFileTypes: true });
      return entries
        .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && existsSync(join(root, e.name, 'labels.json')))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  const source: PromptSource = {
    description: root,
    async labels(name) {
      const file = join(root, name, 'labels.json');
      try {
        return { text: await readFile(file, 'utf8'), location: file };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          if (!existsSync(root)) {
            throw new PromptError('unreachable', `prompt registry folder ${root} does not exist`, {
              prompt: name,
              location: root,
            });
          }
          const known = await knownNames();
          throw new PromptError(
            'unknown_prompt',
            `unknown prompt "${name}" in ${root} (no ${name}/labels.json); known prompts: ${known.length > 0 ? known.join(', ') : 'none'}`,
            { prompt: name, location: file },
          );
        }
        throw new PromptError('unreachable', `cannot read ${file}: ${describe(err)}`, {
          prompt: name,
          location: file,
          cause: err,
        });
      }
    },
    async version(name, version) {
      const file = join(root, name, versionFileName(version));
      try {
        return { bytes: await readFile(file), location: file };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new PromptError('unknown_version', `prompt "${name}" has no version ${version} (${file} is missing)`, {
            prompt: name,
            location: file,
          });
        }
        throw new PromptError('unreachable', `cannot read ${file}: ${describe(err)}`, {
          prompt: name,
          location: file,
          cause: err,
        });
      }
    },
    list: knownNames,
  };
  if (options.watch) source.watch = (name, onChange) => watchPrompt(root, name, onChange, pollMs, debounceMs);
  return source;
}

/**
 * Watches `<root>/<name>/` and `<root>/` itself (a Kubernetes ConfigMap swaps a `..data` symlink in the
 * mount folder, which a watch on the old target would miss). Where fs.watch fails, polls labels.json.
 */
function watchPrompt(root: string, name: string, onChange: () => void, pollMs: number, debounceMs: number) {
  const folder = join(root, name);
  const labelsFile = join(folder, 'labels.json');
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let polling = false;
  const watchers: FSWatcher[] = [];

  const fire = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref?.();
  };
  const startPolling = () => {
    if (polling || closed) return;
    polling = true;
    watchFile(labelsFile, { interval: pollMs, persistent: false }, fire);
  };
  const tryWatch = (path: string, filter?: (file: string | null) => boolean) => {
    try {
      const w = watch(path, { persistent: false }, (_event, file) => {
        if (filter === undefined || filter(file === null ? null : String(file))) fire();
      });
      w.on('error', () => {
        w.close();
        startPolling();
      });
      watchers.push(w);
    } catch {
      startPolling();
    }
  };

  if (existsSync(folder)) tryWatch(folder);
  else startPolling();
  // The root: the prompt's folder appearing, being replaced, or a `..data` swap.
  if (existsSync(root)) tryWatch(root, (file) => file === null || file === name || file.startsWith('..'));

  return () => {
    closed = true;
    clearTimeout(timer);
    for (const w of watchers) w.close();
    if (polling) unwatchFile(labelsFile, fire);
  };
}

export interface UrlSourceOptions {
  /** Base URL serving the registry layout: `<url>/<name>/labels.json`, `<url>/<name>/v<N>.yaml`. */
  url: string | URL;
  /** Per request. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra request headers, e.g. an authorization header for a private bucket. */
  headers?: Record<string, string>;
  /** For tests or custom agents. Default: the global fetch. */
  fetch?: typeof fetch;
}

/** A registry published over HTTP(S) (object storage, a raw git URL, any static server), polled with ETags. */
export function urlSource(options: UrlSourceOptions): PromptSource {
  const base = String(options.url).replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(base)) {
    throw new PromptError(
      'refused',
      `prompt source url must be http(s)://..., got ${JSON.stringify(String(options.url))}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const doFetch = options.fetch ?? fetch;

  async function get(name: string, url: string, etag?: string): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (etag !== undefined) headers['if-none-match'] = etag;
    try {
      return await doFetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string; message?: string } };
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (e.cause?.code ?? e.cause?.message ?? describe(err));
      throw new PromptError('unreachable', `cannot fetch ${url}: ${why}`, { prompt: name, location: url, cause: err });
    }
  }

  function httpError(name: string, url: string, res: Response): PromptError {
    return new PromptError('unreachable', `GET ${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
      prompt: name,
      location: url,
    });
  }

  return {
    description: base,
    async labels(name, etag) {
      const url = `${base}/${encodeURIComponent(name)}/labels.json`;
      const res = await get(name, url, etag);
      if (res.status === 304) {
        await res.body?.cancel();
        return 'not-modified';
      }
      if (res.status === 404) {
        await res.body?.cancel();
        throw new PromptError('unknown_prompt', `unknown prompt "${name}": ${url} returned 404`, {
          prompt: name,
          location: url,
        });
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw httpError(name, url, res);
      }
      const text = await readBody(name, url, res);
      const tag = res.headers.get('etag');
      return tag !== null
        ? { text: new TextDecoder().decode(text), etag: tag, location: url }
        : { text: new TextDecoder().decode(text), location: url };
    },
    async version(name, version) {
      const url = `${base}/${encodeURIComponent(name)}/${versionFileName(version)}`;
      const res = await get(name, url);
      if (res.status === 404) {
        await res.body?.cancel();
        throw new PromptError('unknown_version', `prompt "${name}" has no version ${version}: ${url} returned 404`, {
          prompt: name,
          location: url,
        });
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw httpError(name, url, res);
      }
      return { bytes: await readBody(name, url, res), location: url };
    },
  };
}

async function readBody(name: string, url: string, res: Response): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new PromptError('unreachable', `reading ${url} failed: ${describe(err)}`, {
      prompt: name,
      location: url,
      cause: err,
    });
  }
}

/** `readdirSync` for the CLI's list, kept here so both sides agree on what a prompt folder is. */
export function listPromptFolders(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'labels.json')))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
