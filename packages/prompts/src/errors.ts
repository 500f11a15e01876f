/** What went wrong, so callers (and the CLI's exit code) can tell their mistakes from the registry's. */
export type PromptErrorCode =
  /** No such prompt in the registry. The message lists the known ones when the source can list them. */
  | 'unknown_prompt'
  /** The prompt exists, the label does not. The message lists its labels. */
  | 'unknown_label'
  /** The prompt exists, the version file does not. */
  | 'unknown_version'
  /** A version file or labels.json is not valid YAML/JSON or does not match the schema. */
  | 'invalid'
  /** A version file's sha256 differs from the one its label recorded: edited after it was published. */
  | 'sha256_mismatch'
  /** The source could not be read (network error, timeout, HTTP 5xx, permission denied...). */
  | 'unreachable'
  /** render() got variables that do not match the version's `variables` schema. */
  | 'variables'
  /** A registry write was refused (the version exists, the label history is empty, a bad name...). */
  | 'refused';

/** Every error this package throws on purpose. `code` is stable; the message says what to do. */
export class PromptError extends Error {
  readonly code: PromptErrorCode;
  readonly prompt: string | undefined;
  /** The file or URL involved, when there is one. */
  readonly location: string | undefined;

  constructor(
    code: PromptErrorCode,
    message: string,
    options: { prompt?: string; location?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'PromptError';
    this.code = code;
    this.prompt = options.prompt;
    this.location = options.location;
  }
}

export function isPromptError(err: unknown, code?: PromptErrorCode): err is PromptError {
  return err instanceof PromptError && (code === undefined || err.code === code);
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A failure a source did not classify is taken for an outage: `unreachable`, keeping the original as cause. */
export function toPromptError(err: unknown, prompt: string): PromptError {
  return err instanceof PromptError ? err : new PromptError('unreachable', describe(err), { prompt, cause: err });
}
