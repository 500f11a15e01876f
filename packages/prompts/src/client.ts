import { diag, type MeterProvider } from '@opentelemetry/api';
import { type PromptRef, withPrompt } from '@promptscope/core';
import { setPromptVariables } from '@promptscope/core/provider';
import { describe, PromptError, type PromptErrorCode } from './errors.js';
import { type LabelPointer, type Labels, parseLabels } from './labels.js';
import { PromptMetrics } from './metrics.js';
import { type Rendered, render, type Variables } from './render.js';
import { type DirSourceOptions, dirSource, type PromptSource, type UrlSourceOptions, urlSource } from './sources.js';
import { type ChatMessage, checkLabel, checkName, type PromptSpec, parseSpec, parseVersion, sha256 } from './spec.js';

/** Where a served version came from. */
export type PromptOrigin = 'registry' | 'fallback';

/** One version of a prompt, ready to render. Immutable; safe to keep and share. */
export interface PromptVersion {
  readonly name: string;
  readonly version: number;
  /** The label it was resolved through; `'pinned'` under an environment pin; absent for `{ version }` gets. */
  readonly label: string | undefined;
  readonly sha256: string;
  /** `registry`: read from the source; `fallback`: the bundled copy, the source being unusable. */
  readonly source: PromptOrigin;
  /** True when an environment pin (PROMPTSCOPE_PROMPT_PIN_<NAME>) chose this version. */
  readonly pinned: boolean;
  readonly model: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly description: string | undefined;
  readonly type: 'chat' | 'text';
  readonly spec: Readonly<PromptSpec>;
  /** What core's `withPrompt` takes: spans of completions run inside {@link run} carry it. */
  readonly ref: PromptRef;
  /** Validates `vars` against the schema, fills defaults, substitutes `{{var}}`. Throws PromptError('variables'). */
  render(vars?: Variables): Rendered;
  /**
   * `{ model, ...parameters, messages }` for a chat-completions style call (a text prompt becomes one user
   * message). Parameters are passed as written in the version file.
   */
  request(vars?: Variables): { model: string; messages: ChatMessage[] } & Record<string, unknown>;
  /** Runs `fn` with this version as the active prompt: every completion started inside carries name, version, label. */
  run<R>(fn: () => R): R;
}

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

export const PIN_PREFIX = 'PROMPTSCOPE_PROMPT_PIN_';

/** `support-reply` → `PROMPTSCOPE_PROMPT_PIN_SUPPORT_REPLY`. */
export function pinVariable(name: string): string {
  return PIN_PREFIX + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

interface NameState {
  name: string;
  labels: Labels | undefined;
  etag: string | undefined;
  /** When the source was last asked (successfully or not): the TTL counts from here. */
  checkedAt: number;
  inflight: Promise<void> | undefined;
  /** A watch event arrived during a refresh: run another one after it. */
  dirty: boolean;
  served: Map<string, PromptVersion>;
  pending: Map<string, Promise<PromptVersion>>;
  byVersion: Map<number, PromptVersion>;
  unwatch: (() => void) | undefined;
}

function toSource(opt: SourceOptions): PromptSource {
  if (typeof (opt as PromptSource).labels === 'function') return opt as PromptSource;
  if ((opt as UrlSourceOptions).url !== undefined) return urlSource(opt as UrlSourceOptions);
  if ((opt as DirSourceOptions).dir !== undefined) return dirSource(opt as DirSourceOptions);
  throw new PromptError('refused', 'createPromptClient: `source` must be { dir }, { dir, watch: true } or { url }');
}

/** Failures that a bundled copy can stand in for; the others are the caller's to fix. */
const FALLBACK_CODES = new Set<PromptErrorCode>([
  'unreachable',
  'invalid',
  'sha256_mismatch',
  'unknown_version',
  'unknown_prompt',
]);

export function createPromptClient(options: PromptClientOptions): PromptClient {
  const source = toSource(options.source);
  const bundled = options.bundledDir !== undefined ? dirSource({ dir: options.bundledDir }) : undefined;
  const ttlMs = options.ttlMs ?? 30_000;
  const env = options.env ?? process.env;
  const counters = new PromptMetrics(options.meterProvider);
  const states = new Map<string, NameState>();
  /** Parsed version files by `name/version/sha256`: a version file never changes, so neither does its parse. */
  const parsed = new Map<string, PromptSpec>();
  const warnedPins = new Set<string>();
  let closed = false;

  const report = (name: string, err: unknown, what: string): PromptError => {
    const e =
      err instanceof PromptError ? err : new PromptError('unreachable', describe(err), { prompt: name, cause: err });
    counters.refreshError(name, e.code);
    diag.warn(`@promptscope/prompts: ${what}: ${e.message}`);
    try {
      options.onError?.(e);
    } catch {
      // a throwing hook must not break serving
    }
    return e;
  };

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
      if (source.watch !== undefined && !closed) {
        const st = s;
        s.unwatch = source.watch(name, () => {
          if (st.inflight !== undefined) st.dirty = true;
          else void revalidate(st);
        });
      }
    }
    return s;
  }

  async function loadSpec(from: PromptSource, name: string, pointer: LabelPointer, label: string): Promise<PromptSpec> {
    const key = `${name}/${pointer.version}/${pointer.sha256}`;
    const hit = parsed.get(key);
    if (hit !== undefined) return hit;
    const { bytes, location } = await from.version(name, pointer.version);
    const actual = sha256(bytes);
    if (actual !== pointer.sha256) {
      throw new PromptError(
        'sha256_mismatch',
        `${location} was changed after it was labelled: label "${label}" recorded sha256 ${pointer.sha256}, the file has ${actual}. Version files are immutable: restore it, or publish the change as a new version.`,
        { prompt: name, location },
      );
    }
    const spec = parseSpec(bytes, location, { name, version: pointer.version });
    parsed.set(key, spec);
    return spec;
  }

  /** Reads labels.json (conditionally). Returns undefined when unchanged. Throws PromptError. */
  async function fetchLabels(s: NameState): Promise<Labels | undefined> {
    const res = await source.labels(s.name, s.etag);
    if (res === 'not-modified') return undefined;
    const labels = parseLabels(res.text, res.location);
    s.etag = res.etag;
    return labels;
  }

  /** Background revalidation: never throws; one in flight per prompt. */
  function revalidate(s: NameState): Promise<void> {
    if (s.inflight !== undefined) return s.inflight;
    const run = (async () => {
      let labels: Labels | undefined;
      try {
        labels = await fetchLabels(s);
      } catch (err) {
        s.checkedAt = Date.now();
        if (s.served.size > 0) report(s.name, err, `refreshing "${s.name}" failed, serving the last good copy`);
        return;
      }
      // 304: labels.json did not move; still reconcile, in case something is served from the fallback.
      labels ??= s.labels;
      if (labels === undefined) {
        s.checkedAt = Date.now();
        return;
      }
      let failed = false;
      for (const [label, current] of s.served) {
        const pointer = labels[label];
        if (pointer === undefined) {
          failed = true;
          report(
            s.name,
            new PromptError('unknown_label', `label "${label}" of "${s.name}" was removed from labels.json`, {
              prompt: s.name,
            }),
            `refreshing "${s.name}" failed, serving the last good copy`,
          );
          continue;
        }
        if (current.source === 'registry' && pointer.version === current.version && pointer.sha256 === current.sha256) {
          continue;
        }
        try {
          const spec = await loadSpec(source, s.name, pointer, label);
          s.served.set(label, makeVersion(spec, pointer.sha256, label, 'registry', false));
        } catch (err) {
          failed = true;
          report(s.name, err, `refreshing "${s.name}" label "${label}" failed, serving the last good copy`);
        }
      }
      s.labels = labels;
      // After a failure, ask for the full file next time: a 304 would hide a repaired version file.
      if (failed) s.etag = undefined;
      s.checkedAt = Date.now();
    })()
      .catch((err) => {
        s.checkedAt = Date.now();
        report(s.name, err, `refreshing "${s.name}" failed`);
      })
      .finally(() => {
        s.inflight = undefined;
        if (s.dirty && !closed) {
          s.dirty = false;
          void revalidate(s);
        }
      });
    s.inflight = run;
    return run;
  }

  async function fallback(
    name: string,
    cause: PromptError,
    pick: { label: string } | { version: number },
    pinned: boolean,
  ) {
    if (bundled === undefined || !FALLBACK_CODES.has(cause.code)) throw cause;
    try {
      const labels = parseLabels(
        await bundled.labels(name).then((r) => (r === 'not-modified' ? '{}' : r.text)),
        `${options.bundledDir}/${name}/labels.json`,
      );
      let pointer: LabelPointer | undefined;
      if ('label' in pick) pointer = labels[pick.label];
      else {
        // A bundled version must be one a label vouches for: that is what makes its bytes checkable.
        pointer = Object.values(labels).find((p) => p.version === pick.version);
      }
      if (pointer === undefined) throw cause;
      const label = 'label' in pick ? pick.label : undefined;
      const spec = await loadSpec(bundled, name, pointer, label ?? `v${pointer.version}`);
      const pv = makeVersion(spec, pointer.sha256, pinned ? 'pinned' : label, 'fallback', pinned);
      counters.fallback(name, cause.code);
      report(name, cause, `"${name}" is served from the bundled fallback (${options.bundledDir})`);
      return pv;
    } catch (err) {
      if (err === cause) throw cause;
      // The bundle cannot help either: the caller needs the original reason.
      throw cause;
    }
  }

  async function loadLabel(s: NameState, label: string): Promise<PromptVersion> {
    try {
      if (s.labels === undefined) {
        const fresh = await fetchLabels(s);
        if (fresh !== undefined) s.labels = fresh;
        s.checkedAt = Date.now();
      } else if (Date.now() - s.checkedAt >= ttlMs) {
        // Other labels of this prompt are served: revalidate them together (never throws).
        await revalidate(s);
      }
      const labels = s.labels!;
      const pointer = labels[label];
      if (pointer === undefined) {
        const known = Object.keys(labels).sort();
        throw new PromptError(
          'unknown_label',
          `prompt "${s.name}" has no label "${label}"; its labels: ${known.length > 0 ? known.map((l) => `${l} (v${labels[l]!.version})`).join(', ') : 'none'}`,
          { prompt: s.name },
        );
      }
      const spec = await loadSpec(source, s.name, pointer, label);
      const pv = makeVersion(spec, pointer.sha256, label, 'registry', false);
      s.served.set(label, pv);
      return pv;
    } catch (err) {
      const e =
        err instanceof PromptError
          ? err
          : new PromptError('unreachable', describe(err), { prompt: s.name, cause: err });
      const pv = await fallback(s.name, e, { label }, false);
      s.checkedAt = Date.now();
      s.served.set(label, pv);
      return pv;
    }
  }

  async function loadVersion(s: NameState, version: number, pinned: boolean): Promise<PromptVersion> {
    const cached = s.byVersion.get(version);
    if (cached !== undefined && cached.pinned === pinned && cached.source === 'registry') return cached;
    try {
      if (s.labels === undefined) {
        // Best effort: labels let us check the file's sha256 when some label points at it.
        try {
          const fresh = await fetchLabels(s);
          if (fresh !== undefined) s.labels = fresh;
          s.checkedAt = Date.now();
        } catch (err) {
          if (err instanceof PromptError && err.code === 'unknown_prompt') throw err;
        }
      }
      const vouched = s.labels !== undefined ? Object.values(s.labels).find((p) => p.version === version) : undefined;
      let spec: PromptSpec;
      let sha: string;
      if (vouched !== undefined) {
        spec = await loadSpec(source, s.name, vouched, `v${version}`);
        sha = vouched.sha256;
      } else {
        const { bytes, location } = await source.version(s.name, version);
        sha = sha256(bytes);
        spec = parseSpec(bytes, location, { name: s.name, version });
      }
      const pv = makeVersion(spec, sha, pinned ? 'pinned' : undefined, 'registry', pinned);
      s.byVersion.set(version, pv);
      return pv;
    } catch (err) {
      const e =
        err instanceof PromptError
          ? err
          : new PromptError('unreachable', describe(err), { prompt: s.name, cause: err });
      // Asking for a version that does not exist is the caller's mistake, not an outage.
      if (e.code === 'unknown_version') throw e;
      return fallback(s.name, e, { version }, pinned);
    }
  }

  function pinFor(name: string): number | undefined {
    const variable = pinVariable(name);
    const raw = env[variable];
    if (raw === undefined || raw === '') return undefined;
    try {
      return parseVersion(raw.trim());
    } catch {
      if (!warnedPins.has(variable)) {
        warnedPins.add(variable);
        report(
          name,
          new PromptError(
            'refused',
            `${variable}=${JSON.stringify(raw)} is not a version (expected e.g. 6 or v6); pin ignored`,
            {
              prompt: name,
            },
          ),
          'ignoring an invalid pin',
        );
      }
      return undefined;
    }
  }

  async function get(name: string, opts: GetOptions = {}): Promise<PromptVersion> {
    checkName(name);
    if (opts === null || typeof opts !== 'object') {
      throw new PromptError('refused', `get("${name}", options): options must be { label } or { version }`);
    }
    const s = state(name);
    if (opts.version !== undefined) return loadVersion(s, parseVersion(opts.version), false);
    const label = checkLabel(opts.label ?? 'production');
    const pin = pinFor(name);
    if (pin !== undefined) return loadVersion(s, pin, true);

    const served = s.served.get(label);
    if (served !== undefined) {
      if (Date.now() - s.checkedAt >= ttlMs) void revalidate(s);
      return served;
    }
    let pending = s.pending.get(label);
    if (pending === undefined) {
      pending = loadLabel(s, label).finally(() => s.pending.delete(label));
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
        await revalidate(s);
      }
    },
    close() {
      closed = true;
      for (const s of states.values()) {
        s.unwatch?.();
        s.unwatch = undefined;
      }
    },
  };
}

function makeVersion(
  spec: PromptSpec,
  sha: string,
  label: string | undefined,
  origin: PromptOrigin,
  pinned: boolean,
): PromptVersion {
  const frozen = deepFreeze(structuredClone(spec));
  // Spans of completions run inside carry which file (sha256) and which source served this version.
  const ref: PromptRef = Object.freeze({
    name: spec.name,
    version: String(spec.version),
    ...(label !== undefined ? { label } : {}),
    sha256: sha,
    source: origin,
  });
  const pv: PromptVersion = {
    name: spec.name,
    version: spec.version,
    label,
    sha256: sha,
    source: origin,
    pinned,
    model: spec.model,
    parameters: frozen.parameters,
    description: spec.description,
    type: spec.messages !== undefined ? 'chat' : 'text',
    spec: frozen,
    ref,
    render: (vars) => rendered(frozen, vars),
    request(vars) {
      const out = rendered(frozen, vars);
      const messages = out.type === 'chat' ? out.messages : [{ role: 'user', content: out.text }];
      return { ...frozen.parameters, model: frozen.model, messages };
    },
    run: (fn) => withPrompt(ref, fn),
  };
  return Object.freeze(pv);
}

/** Renders and, inside `run()`, records the variables for the completion that follows (spans, capture on). */
function rendered(spec: PromptSpec, vars: Variables | undefined): Rendered {
  const out = render(spec, vars);
  if (vars !== undefined) setPromptVariables(vars);
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
