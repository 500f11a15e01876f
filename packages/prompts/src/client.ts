import { diag, type MeterProvider } from '@opentelemetry/api';
import type { ClientContext, NameState } from './client-state.js';
import { PromptError, toPromptError } from './errors.js';
import { loadLabel, loadVersion } from './load.js';
import { PromptMetrics } from './metrics.js';
import { pinReader } from './pins.js';
import type { PromptVersion } from './prompt-version.js';
import { revalidate } from './revalidate.js';
import { type DirSourceOptions, dirSource, type PromptSource, type UrlSourceOptions, urlSource } from './sources.js';
import { checkLabel, checkName, parseVersion } from './spec.js';

export interface GetOptions {
  /** Default `production` (when no version is given). */
  label?: string;
  /** A specific version (3 or "v3"); takes precedence over the label and over pins. */
  version?: number | string;
}

export type SourceOptions = PromptSource | DirSourceOptions | UrlSourceOptions;

export interface PromptClientOptions {
  /** `{ dir }`, `{ dir, watch: true }`, `{ url }`, or any {@link PromptSource}. */
  source: SourceOptions;
  /** How long a copy is served without asking the source again. Default 30 000 ms. */
  ttlMs?: number;
  /** A registry folder shipped with the app, used when the source is unusable and nothing is cached yet. */
  bundledDir?: string;
  /** Where pins are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Default: the global meter provider. */
  meterProvider?: MeterProvider;
  /** Told about every failure the client absorbed (kept the last good copy, used the fallback). */
  onError?: (err: PromptError) => void;
}

export interface PromptClient {
  /**
   * The version a label points at (default `production`) or a given version. Within the TTL it answers from
   * memory; after it, it still answers from memory at once and revalidates in the background.
   */
  get(name: string, options?: GetOptions): Promise<PromptVersion>;
  /** `get`, then `fn(prompt)` inside `prompt.run`. */
  use<R>(name: string, options: GetOptions, fn: (prompt: PromptVersion) => R): Promise<Awaited<R>>;
  /** Revalidates now (all prompts seen so far, or one) and waits for it. */
  refresh(name?: string): Promise<void>;
  /** Stops watchers. In-flight refreshes finish on their own. */
  close(): void;
}

function toSource(opt: SourceOptions): PromptSource {
  if (typeof (opt as PromptSource).labels === 'function') return opt as PromptSource;
  if ((opt as UrlSourceOptions).url !== undefined) return urlSource(opt as UrlSourceOptions);
  if ((opt as DirSourceOptions).dir !== undefined) return dirSource(opt as DirSourceOptions);
  throw new PromptError('refused', 'createPromptClient: `source` must be { dir }, { dir, watch: true } or { url }');
}

export function createPromptClient(options: PromptClientOptions): PromptClient {
  const source = toSource(options.source);
  const bundled = options.bundledDir !== undefined ? dirSource({ dir: options.bundledDir }) : undefined;
  const ttlMs = options.ttlMs ?? 30_000;
  const env = options.env ?? process.env;
  const counters = new PromptMetrics(options.meterProvider);
  const states = new Map<string, NameState>();

  const report = (name: string, err: unknown, what: string): PromptError => {
    const e = toPromptError(err, name);
    counters.refreshError(name, e.code);
    diag.warn(`@promptscope/prompts: ${what}: ${e.message}`);
    try {
      options.onError?.(e);
    } catch {
      // a throwing hook must not break serving
    }
    return e;
  };
  const ctx: ClientContext = {
    source,
    bundled,
    bundledDir: options.bundledDir,
    ttlMs,
    counters,
    parsed: new Map(),
    closed: false,
    report,
  };
  const pinFor = pinReader(env, report);

  function state(name: string): NameState {
    let s = states.get(name);
    if (s === undefined) {
      s = {
        name,
        labels: undefined,
        etag: undefined,
        checkedAt: 0,
        inflight: undefined,
        dirty: false,
        served: new Map(),
        pending: new Map(),
        byVersion: new Map(),
        unwatch: undefined,
      };
      states.set(name, s);
      if (source.watch !== undefined && !ctx.closed) {
        const st = s;
        s.unwatch = source.watch(name, () => {
          if (st.inflight !== undefined) st.dirty = true;
          else void revalidate(ctx, st);
        });
      }
    }
    return s;
  }

  async function get(name: string, opts: GetOptions = {}): Promise<PromptVersion> {
    checkName(name);
    if (opts === null || typeof opts !== 'object') {
      throw new PromptError('refused', `get("${name}", options): options must be { label } or { version }`);
    }
    const s = state(name);
    if (opts.version !== undefined) return loadVersion(ctx, s, parseVersion(opts.version), false);
    const label = checkLabel(opts.label ?? 'production');
    const pin = pinFor(name);
    if (pin !== undefined) return loadVersion(ctx, s, pin, true);

    const served = s.served.get(label);
    if (served !== undefined) {
      if (Date.now() - s.checkedAt >= ttlMs) void revalidate(ctx, s);
      return served;
    }
    let pending = s.pending.get(label);
    if (pending === undefined) {
      pending = loadLabel(ctx, s, label).finally(() => s.pending.delete(label));
      s.pending.set(label, pending);
    }
    return pending;
  }

  return {
    get,
    async use<R>(name: string, opts: GetOptions, fn: (prompt: PromptVersion) => R): Promise<Awaited<R>> {
      const prompt = await get(name, opts);
      return await prompt.run(() => fn(prompt));
    },
    async refresh(name) {
      const targets = name !== undefined ? [state(checkName(name))] : [...states.values()];
      // A refresh already in flight may have started before the change the caller wants seen.
      for (const s of targets) {
        if (s.inflight !== undefined) await s.inflight;
        await revalidate(ctx, s);
      }
    },
    close() {
      ctx.closed = true;
      for (const s of states.values()) {
        s.unwatch?.();
        s.unwatch = undefined;
      }
    },
  };
}
