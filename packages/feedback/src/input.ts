import { FeedbackError } from './errors.js';
import { checkShortString, type Normalized } from './evaluations.js';
import { editRatio, type ImplicitSignal } from './implicit.js';
import type { FeedbackInput, FeedbackKind, FeedbackSource, ImplicitDetail } from './types.js';

const KINDS: readonly FeedbackKind[] = ['explicit', 'implicit', 'label'];
const SOURCES: readonly FeedbackSource[] = ['user', 'app', 'annotator', 'eval'];
const DEFAULT_SOURCE: Record<FeedbackKind, FeedbackSource> = { explicit: 'user', implicit: 'app', label: 'annotator' };

export interface Checked {
  name: string;
  kind: FeedbackKind;
  source: FeedbackSource;
  comment?: string;
  id?: string;
  editRatio?: number;
  value: Normalized;
}

export function checkCommon(input: Partial<FeedbackInput>, defaultKind: FeedbackKind, maxComment: number) {
  const kind = input.kind ?? defaultKind;
  if (!KINDS.includes(kind)) {
    throw new FeedbackError('invalid_input', `Unknown feedback kind ${JSON.stringify(kind)}; use ${KINDS.join(', ')}.`);
  }
  const source = input.source ?? DEFAULT_SOURCE[kind];
  if (!SOURCES.includes(source)) {
    throw new FeedbackError(
      'invalid_input',
      `Unknown feedback source ${JSON.stringify(source)}; use ${SOURCES.join(', ')}.`,
    );
  }
  let comment: string | undefined;
  if (input.comment !== undefined && input.comment !== null) {
    if (typeof input.comment !== 'string') {
      throw new FeedbackError('invalid_input', 'The feedback comment must be a string.');
    }
    comment = input.comment.length > maxComment ? `${input.comment.slice(0, maxComment)}…` : input.comment;
    if (comment === '') comment = undefined;
  }
  const id =
    input.id === undefined || input.id === null ? undefined : checkShortString('The feedback id', input.id, 128);
  return { kind, source, comment, id };
}

/** Returns the edit ratio, as given or computed from `original` and `edited`. */
export function checkImplicitDetail(s: ImplicitSignal, detail: ImplicitDetail): number | undefined {
  if (detail === null || typeof detail !== 'object') {
    throw new FeedbackError('invalid_input', 'recordImplicit(token, signal, detail): `detail` must be an object.');
  }
  let ratio: number | undefined;
  if (detail.editRatio !== undefined) {
    if (typeof detail.editRatio !== 'number' || !(detail.editRatio >= 0 && detail.editRatio <= 1)) {
      throw new FeedbackError(
        'value_range',
        `Implicit signal "${s}": editRatio must be a number from 0 (unchanged) to 1 (rewritten), got ${String(detail.editRatio)}.`,
      );
    }
    ratio = detail.editRatio;
  } else if (detail.original !== undefined || detail.edited !== undefined) {
    ratio = editRatio(detail.original as string, detail.edited as string);
  }
  if (s === 'edited' && ratio === undefined) {
    throw new FeedbackError(
      'invalid_input',
      'Implicit signal "edited" needs detail.editRatio (0..1), or detail.original and detail.edited to compute it.',
    );
  }
  return ratio;
}
