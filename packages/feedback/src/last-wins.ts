/**
 * The reader's side of "last wins" (README, *Last wins*): records and spans are immutable, so superseding is
 * applied by whoever reads them. One rule, here, for every reader (the CLI's `worst`, a notebook, a job).
 */

/** What "last wins" needs to know of one feedback record. */
export interface FeedbackRecordKey {
  /** The completion it is about: trace id and span id, joined any way that keeps them apart. */
  completion: string;
  /** `gen_ai.evaluation.name`. */
  evaluation: string;
  /** `promptscope.feedback.id`, when the record has one. */
  id: string | undefined;
  /** Something unique to this record (its span id, its log record's position): a record without an id is its own. */
  record: string;
  /** When it was recorded, in any unit, the same for every record. */
  time: number;
}

/**
 * The records that count, oldest first: among records about the same completion with the same evaluation name
 * and feedback id, the one with the latest time (the later one read on a tie); a record without an id always
 * counts.
 */
export function latestFeedback<T>(records: readonly T[], key: (record: T) => FeedbackRecordKey): T[] {
  const latest = new Map<string, { record: T; time: number }>();
  for (const r of records) {
    const k = key(r);
    const group = JSON.stringify([
      k.completion,
      k.evaluation,
      k.id === undefined ? ['record', k.record] : ['id', k.id],
    ]);
    const prev = latest.get(group);
    if (prev === undefined || k.time >= prev.time) latest.set(group, { record: r, time: k.time });
  }
  return [...latest.values()].sort((a, b) => a.time - b.time).map((e) => e.record);
}
