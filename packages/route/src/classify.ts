import { errorStatus, errorType } from '@promptscope/core/provider';

/**
 * What a failed attempt means for a routed call, decided once per error:
 * - `provider`: the provider or the network failed (408, 409, 429, 5xx, 529, a timeout, a connection
 *   error). Retried with backoff, then the call falls back to the next target.
 * - `caller`: the request itself is wrong (400, 401, 403, 404, 422 and every other 4xx). Another try or
 *   another provider will not fix it: thrown to the caller at once.
 * - `aborted`: the caller aborted. Thrown as is; nothing is retried.
 * - `unknown`: not a provider error at all (a bug in the target function, a TypeError...). Thrown at once.
 */
export type FailureKind = 'provider' | 'caller' | 'aborted' | 'unknown';

/** A coarse class for provider failures, usable in `fallbackOn`. */
export type FailureCategory = 'rate_limit' | 'server_error' | 'overloaded' | 'conflict' | 'timeout' | 'connection';

export interface ClassifiedError {
  kind: FailureKind;
  /** The same `error.type` the provider spans carry: the HTTP status code, else the error's class name. */
  errorType: string;
  category?: FailureCategory;
  status?: number;
  /** From `retry-after-ms` or `retry-after` (seconds or an HTTP date), when the response sent one. */
  retryAfterMs?: number;
  /** `x-should-retry: false` from the provider: do not retry this target (falling back is still allowed). */
  noRetry?: boolean;
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

/** Error types carried in the body of a status-less `APIError` (an error event inside a stream). */
const STREAM_ERROR_TYPES: Record<string, FailureCategory> = {
  overloaded_error: 'overloaded',
  api_error: 'server_error',
  rate_limit_error: 'rate_limit',
  server_error: 'server_error',
  rate_limit_exceeded: 'rate_limit',
};

/**
 * Classifies an error thrown by a target's call: the error classes of every instrumented SDK (any major;
 * the status as core reads it, `.headers` as a `Headers` or a plain record), Node network errors, and
 * anything else. Pure: `now` is only used to resolve an HTTP-date `retry-after`.
 */
export function classifyError(err: unknown, now: number = Date.now()): ClassifiedError {
  const type = errorType(err);
  if (err === null || typeof err !== 'object') return { kind: 'unknown', errorType: type };
  const e = err as { status?: unknown; name?: unknown; code?: unknown; cause?: unknown; headers?: unknown };
  const className = (err as { constructor?: { name?: unknown } }).constructor?.name;
  const names = `${typeof className === 'string' ? className : ''} ${typeof e.name === 'string' ? e.name : ''}`;
  if (/UserAbort|AbortError/.test(names)) return { kind: 'aborted', errorType: type };

  // `status` (Stainless SDKs, @google/genai), `statusCode` (Mistral), `$metadata.httpStatusCode` (the AWS SDK).
  const status = errorStatus(err);
  if (status !== undefined && status >= 400 && status < 600) {
    const out: ClassifiedError = { kind: 'caller', errorType: type, status };
    const category = statusCategory(status);
    if (category === undefined) return out;
    out.kind = 'provider';
    out.category = category;
    const retryAfterMs = retryAfter(e.headers, now);
    if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
    if (header(e.headers, 'x-should-retry') === 'false') out.noRetry = true;
    return out;
  }

  if (/Timeout/.test(names) || hasCode(err, TIMEOUT_CODES)) {
    return { kind: 'provider', errorType: type, category: 'timeout' };
  }
  if (/APIConnectionError/.test(names) || hasCode(err, CONNECTION_CODES)) {
    return { kind: 'provider', errorType: type, category: 'connection' };
  }
  // A status-less APIError: the provider sent an error event inside a stream.
  if (/APIError/.test(names)) {
    const body = (err as { error?: unknown }).error as { type?: unknown; error?: { type?: unknown } } | undefined;
    const bodyType = body?.error?.type ?? body?.type;
    const category = typeof bodyType === 'string' ? STREAM_ERROR_TYPES[bodyType] : undefined;
    if (category !== undefined) return { kind: 'provider', errorType: type, category };
  }
  return { kind: 'unknown', errorType: type };
}

function statusCategory(status: number): FailureCategory | undefined {
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limit';
  if (status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return undefined;
}

/** The error or one of its causes (up to a few levels) carries one of `codes`. */
function hasCode(err: unknown, codes: Set<string>): boolean {
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && cur !== null && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** Reads a header from a `Headers`-like object or a plain record (older SDKs), case-insensitively. */
export function header(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const v = (get as (n: string) => unknown).call(headers, name);
    return typeof v === 'string' ? v : undefined;
  }
  const record = headers as Record<string, unknown>;
  let v = record[name];
  if (v === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) {
        v = record[key];
        break;
      }
    }
  }
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' ? v : undefined;
}

/** `retry-after-ms` (milliseconds), else `retry-after` (seconds, or an HTTP date), in milliseconds. */
export function retryAfter(headers: unknown, now: number = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const value = header(headers, 'retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The names an error answers to in `fallbackOn`: its status (`'503'`), the status class (`'5xx'`), its
 * category (`'rate_limit'`, `'timeout'`, `'connection'`...) and its `error.type`.
 */
export function failureClasses(c: ClassifiedError): string[] {
  const out: string[] = [];
  if (c.status !== undefined) out.push(String(c.status), `${String(c.status)[0]}xx`);
  if (c.category !== undefined) out.push(c.category);
  if (!out.includes(c.errorType)) out.push(c.errorType);
  return out;
}
