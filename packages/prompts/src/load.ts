import { type ClientContext, fetchLabels, loadSpec, type NameState } from './client-state.js';
import { PromptError, type PromptErrorCode, toPromptError } from './errors.js';
import { type LabelPointer, parseLabels } from './labels.js';
import { makeVersion, type PromptVersion } from './prompt-version.js';
import { revalidate } from './revalidate.js';
import { type PromptSpec, parseSpec, sha256 } from './spec.js';

/** Failures that a bundled copy can stand in for; the others are the caller's to fix. */
const FALLBACK_CODES = new Set<PromptErrorCode>([
  'unreachable',
  'invalid',
  'sha256_mismatch',
  'unknown_version',
  'unknown_prompt',
]);

async function fallback(
  ctx: ClientContext,
  name: string,
  cause: PromptError,
  pick: { label: string } | { version: number },
  pinned: boolean,
) {
  const bundled = ctx.bundled;
  if (bundled === undefined || !FALLBACK_CODES.has(cause.code)) throw cause;
  try {
    const labels = parseLabels(
      await bundled.labels(name).then((r) => (r === 'not-modified' ? '{}' : r.text)),
      `${ctx.bundledDir}/${name}/labels.json`,
    );
    let pointer: LabelPointer | undefined;
    if ('label' in pick) pointer = labels[pick.label];
    else {
      // A bundled version must be one a label vouches for: that is what makes its bytes checkable.
      pointer = Object.values(labels).find((p) => p.version === pick.version);
    }
    if (pointer === undefined) throw cause;
    const label = 'label' in pick ? pick.label : undefined;
    const spec = await loadSpec(ctx, bundled, name, pointer, label ?? `v${pointer.version}`);
    const pv = makeVersion(spec, pointer.sha256, pinned ? 'pinned' : label, 'fallback', pinned);
    ctx.counters.fallback(name, cause.code);
    ctx.report(name, cause, `"${name}" is served from the bundled fallback (${ctx.bundledDir})`);
    return pv;
  } catch (err) {
    if (err === cause) throw cause;
    // The bundle cannot help either: the caller needs the original reason.
    throw cause;
  }
}

export async function loadLabel(ctx: ClientContext, s: NameState, label: string): Promise<PromptVersion> {
  try {
    if (s.labels === undefined) {
      const fresh = await fetchLabels(ctx, s);
      if (fresh !== undefined) s.labels = fresh;
      s.checkedAt = Date.now();
    } else if (Date.now() - s.checkedAt >= ctx.ttlMs) {
      // Other labels of this prompt are served: revalidate them together (never throws).
      await revalidate(ctx, s);
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
    const spec = await loadSpec(ctx, ctx.source, s.name, pointer, label);
    const pv = makeVersion(spec, pointer.sha256, label, 'registry', false);
    s.served.set(label, pv);
    return pv;
  } catch (err) {
    const pv = await fallback(ctx, s.name, toPromptError(err, s.name), { label }, false);
    s.checkedAt = Date.now();
    s.served.set(label, pv);
    return pv;
  }
}

export async function loadVersion(
  ctx: ClientContext,
  s: NameState,
  version: number,
  pinned: boolean,
): Promise<PromptVersion> {
  const cached = s.byVersion.get(version);
  if (cached !== undefined && cached.pinned === pinned && cached.source === 'registry') return cached;
  try {
    if (s.labels === undefined) {
      // Best effort: labels let us check the file's sha256 when some label points at it.
      try {
        const fresh = await fetchLabels(ctx, s);
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
      spec = await loadSpec(ctx, ctx.source, s.name, vouched, `v${version}`);
      sha = vouched.sha256;
    } else {
      const { bytes, location } = await ctx.source.version(s.name, version);
      sha = sha256(bytes);
      spec = parseSpec(bytes, location, { name: s.name, version });
    }
    const pv = makeVersion(spec, sha, pinned ? 'pinned' : undefined, 'registry', pinned);
    s.byVersion.set(version, pv);
    return pv;
  } catch (err) {
    const e = toPromptError(err, s.name);
    // Asking for a version that does not exist is the caller's mistake, not an outage.
    if (e.code === 'unknown_version') throw e;
    return fallback(ctx, s.name, e, { version }, pinned);
  }
}
