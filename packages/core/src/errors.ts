import { diag } from '@opentelemetry/api';

/**
 * A low-cardinality `error.type`: the HTTP status code for an HTTP error (as the HTTP conventions do, and
 * the same across providers), else the error's class name, else `_OTHER`.
 */
export function errorType(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const status = errorStatus(err);
    if (status !== undefined && status >= 400 && status < 600) return String(status);
    const name = (err as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '' && name !== 'Object') return name;
    const own = (err as { name?: unknown }).name;
    if (typeof own === 'string' && own !== '') return own;
  }
  return '_OTHER';
}

/**
 * The HTTP status of a provider error, when it has one: `status` (Stainless SDKs, `@google/genai`),
 * `statusCode` (Mistral's Speakeasy errors), or `$metadata.httpStatusCode` (the AWS SDK's service errors).
 */
export function errorStatus(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined) return status;
  const aws = e.$metadata?.httpStatusCode;
  return typeof aws === 'number' ? aws : undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'unprintable error';
  }
}

const warned = new Set<string>();

/**
 * Our own code failed. The app must not notice: we log once per stage (not per call, so a bug cannot
 * flood the logs) and let the caller count it.
 */
export function logInternalError(stage: string, err: unknown): void {
  if (warned.has(stage)) return;
  warned.add(stage);
  diag.warn(
    `promptscope: internal error in ${stage}; the call was not affected, its telemetry may be incomplete. ` +
      `Please report it. ${errorMessage(err)}`,
  );
}

/**
 * A plain object to read fields from: arrays excluded. (`isObject` below keeps arrays, for code that reads
 * fields off whatever object an SDK hands back.)
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Any non-null object, arrays included. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}
