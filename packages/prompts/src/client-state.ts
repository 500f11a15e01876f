import { PromptError } from './errors.js';
import { type LabelPointer, type Labels, parseLabels } from './labels.js';
import type { PromptMetrics } from './metrics.js';
import type { PromptVersion } from './prompt-version.js';
import type { PromptSource } from './sources.js';
import { type PromptSpec, parseSpec, sha256 } from './spec.js';

export interface ClientContext {
  readonly source: PromptSource;
  readonly bundled: PromptSource | undefined;
  readonly bundledDir: string | undefined;
  readonly ttlMs: number;
  readonly counters: PromptMetrics;
  /** Parsed version files by `name/version/sha256`: a version file never changes, so neither does its parse. */
  readonly parsed: Map<string, PromptSpec>;
  closed: boolean;
  report(name: string, err: unknown, what: string): PromptError;
}

export interface NameState {
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

export async function loadSpec(
  ctx: ClientContext,
  from: PromptSource,
  name: string,
  pointer: LabelPointer,
  label: string,
): Promise<PromptSpec> {
  const key = `${name}/${pointer.version}/${pointer.sha256}`;
  const hit = ctx.parsed.get(key);
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
  ctx.parsed.set(key, spec);
  return spec;
}

/** Reads labels.json (conditionally). Returns undefined when unchanged. Throws PromptError. */
export async function fetchLabels(ctx: ClientContext, s: NameState): Promise<Labels | undefined> {
  const res = await ctx.source.labels(s.name, s.etag);
  if (res === 'not-modified') return undefined;
  const labels = parseLabels(res.text, res.location);
  s.etag = res.etag;
  return labels;
}
