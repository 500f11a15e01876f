import { type ClientContext, fetchLabels, loadSpec, type NameState } from './client-state.js';
import { PromptError } from './errors.js';
import type { Labels } from './labels.js';
import { makeVersion } from './prompt-version.js';

/** Background revalidation: never throws; one in flight per prompt. */
export function revalidate(ctx: ClientContext, s: NameState): Promise<void> {
  if (s.inflight !== undefined) return s.inflight;
  const run = (async () => {
    let labels: Labels | undefined;
    try {
      labels = await fetchLabels(ctx, s);
    } catch (err) {
      s.checkedAt = Date.now();
      if (s.served.size > 0) ctx.report(s.name, err, `refreshing "${s.name}" failed, serving the last good copy`);
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
        ctx.report(
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
        const spec = await loadSpec(ctx, ctx.source, s.name, pointer, label);
        s.served.set(label, makeVersion(spec, pointer.sha256, label, 'registry', false));
      } catch (err) {
        failed = true;
        ctx.report(s.name, err, `refreshing "${s.name}" label "${label}" failed, serving the last good copy`);
      }
    }
    s.labels = labels;
    // After a failure, ask for the full file next time: a 304 would hide a repaired version file.
    if (failed) s.etag = undefined;
    s.checkedAt = Date.now();
  })()
    .catch((err) => {
      s.checkedAt = Date.now();
      ctx.report(s.name, err, `refreshing "${s.name}" failed`);
    })
    .finally(() => {
      s.inflight = undefined;
      if (s.dirty && !ctx.closed) {
        s.dirty = false;
        void revalidate(ctx, s);
      }
    });
  s.inflight = run;
  return run;
}
