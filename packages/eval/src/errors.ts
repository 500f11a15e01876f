import { errorMessage } from '@promptscope/core/provider';
/**
 * What went wrong, sorted by who must act. The CLI maps both to exit code 2 ("nothing ran properly"); a
 * failed gate is not an error but a verdict (exit 1).
 */

/** A malformed bank, report, config or candidate: names the file, the case and the field, and what to do. */
export class BankError extends Error {
  readonly file: string;
  readonly caseId: string | undefined;
  readonly field: string | undefined;
  constructor(message: string, where: { file: string; caseId?: string; field?: string }) {
    super(message);
    this.name = 'BankError';
    this.file = where.file;
    this.caseId = where.caseId;
    this.field = where.field;
  }
}

/** The run could not be made properly (no API key, the provider unreachable after retries, a bad flag). */
export class InfraError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraError';
  }
}

/** A production span that cannot become a case; the message says what to switch on. */
export class HarvestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarvestError';
  }
}

/** The message of a thrown value (core's one helper, under the name eval's modules use). */
export const describeError = errorMessage;
