/**
 * What went wrong with feedback input, as a stable code an HTTP handler can map to a status (all of them
 * are the caller's fault: answer 400, or 403 for `token_signature`).
 */
export type FeedbackErrorCode =
  /** The token is not a promptscope feedback token: wrong shape, bad encoding, invalid ids, too long. */
  | 'token_malformed'
  /** The token was made by a newer (or unknown) token format version. */
  | 'token_version'
  /** The token's signature does not match, is missing while a secret is configured, or cannot be checked. */
  | 'token_signature'
  /** The value does not have the type the evaluation declares (number, boolean, category). */
  | 'value_type'
  /** A numeric value outside the declared range, or not a finite number. */
  | 'value_range'
  /** A category that the evaluation does not declare. */
  | 'value_category'
  /** An evaluation name not declared while `strict` is on, or a category for an undeclared name. */
  | 'evaluation_unknown'
  /** Any other option that is wrong: name, kind, source, id, implicit signal, edit ratio, configuration. */
  | 'invalid_input';

/** Invalid feedback input: a bad token, a value that does not fit its evaluation, a wrong option. */
export class FeedbackError extends Error {
  override readonly name = 'FeedbackError';
  readonly code: FeedbackErrorCode;

  constructor(code: FeedbackErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
