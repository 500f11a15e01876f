import { PromptError } from './errors.js';

/** Where one label points: a version and the sha256 of that version file's bytes when it was labelled. */
export interface LabelPointer {
  version: number;
  sha256: string;
}

/** `<name>/labels.json`: label name to pointer. `latest` is kept by `prompt new`. */
export type Labels = Record<string, LabelPointer>;

const SHA_RE = /^[0-9a-f]{64}$/;

export function parseLabels(text: string, where: string): Labels {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PromptError('invalid', `${where}: not valid JSON: ${(err as Error).message}`, {
      location: where,
      cause: err,
    });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PromptError('invalid', `${where}: expected an object of label -> { version, sha256 }`, {
      location: where,
    });
  }
  const labels: Labels = {};
  for (const [label, raw] of Object.entries(doc as Record<string, unknown>)) {
    const p = raw as { version?: unknown; sha256?: unknown } | null;
    if (
      p === null ||
      typeof p !== 'object' ||
      typeof p.version !== 'number' ||
      !Number.isInteger(p.version) ||
      p.version < 1 ||
      typeof p.sha256 !== 'string' ||
      !SHA_RE.test(p.sha256)
    ) {
      throw new PromptError(
        'invalid',
        `${where}: label "${label}" must be { "version": <positive integer>, "sha256": "<64 hex>" }`,
        { location: where },
      );
    }
    labels[label] = { version: p.version, sha256: p.sha256 };
  }
  return labels;
}

/** Stable output: keys sorted so diffs of labels.json stay small. */
export function formatLabels(labels: Labels): string {
  const sorted: Labels = {};
  for (const key of Object.keys(labels).sort()) sorted[key] = labels[key]!;
  return `${JSON.stringify(sorted, null, 2)}\n`;
}
