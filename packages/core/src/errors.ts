import { diag } from '@opentelemetry/api';

/**
 * A low-cardinality `error.type`: the HTTP status code for an HTTP error (as the HTTP conventions do, and
 * the same across providers), else the error's class name, else `_OTHER`.
 */
export function errorType(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 600) return String(status);
    const name = (err as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '' && name !== 'Object') return name;
    const own = (err as { name?: unknown }).name;
    if (typeof own === 'string' && own !== '') return own;
  }
  return '_OTHER';
}

/** The HTTP status of a provider error, when it has one. */
export function errorStatus(err: unknown): number | undefined {
  const status = err !== null && typeof err === 'object' ? (err as { status?: unknown }).status : undefined;
  return typeof status === 'number' ? status : undefined;
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
