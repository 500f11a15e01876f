import * as anthropicV039 from 'anthropic-v0-39';
import * as anthropicV1 from 'anthropic-v1';
import * as bedrock from 'bedrock-runtime-v3';
import * as genai from 'genai-v2';
import { SDKError as MistralSDKError } from 'mistral-v1/models/errors/index.js';
import * as openaiV4 from 'openai-v4';
import * as openaiV6 from 'openai-v6';
import { describe, expect, it } from 'vitest';
import { backoffMs, classifyError, failureClasses, retryAfter } from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: each SDK major has its own error types
type Any = any;

// v4/v0.39 take headers as a plain record, v6/v1 as a Headers object: both must be read.
const SDKS: [string, Any, (h: Record<string, string>) => unknown][] = [
  ['openai-v4', openaiV4, (h) => h],
  ['openai-v6', openaiV6, (h) => new Headers(h)],
  ['anthropic-v0-39', anthropicV039, (h) => h],
  ['anthropic-v1', anthropicV1, (h) => new Headers(h)],
];

describe.each(SDKS)('classifyError: %s errors', (_name, mod, headers) => {
  const api = (status: number, h: Record<string, string> = {}) =>
    mod.APIError.generate(status, { error: { message: 'x' } }, 'x', headers(h));

  it.each([408, 409, 429, 500, 502, 503, 504, 529])('%i is a provider failure: retried, may fall back', (status) => {
    const c = classifyError(api(status));
    expect(c).toMatchObject({ kind: 'provider', status, errorType: String(status) });
  });

  it.each([400, 401, 403, 404, 422, 413, 418])('%i is the caller’s: thrown at once', (status) => {
    expect(classifyError(api(status))).toMatchObject({ kind: 'caller', status, errorType: String(status) });
  });

  it('reads retry-after (seconds), retry-after-ms and x-should-retry', () => {
    expect(classifyError(api(429, { 'retry-after': '2' })).retryAfterMs).toBe(2000);
    expect(classifyError(api(429, { 'retry-after-ms': '150', 'retry-after': '9' })).retryAfterMs).toBe(150);
    expect(classifyError(api(503, { 'x-should-retry': 'false' })).noRetry).toBe(true);
    expect(classifyError(api(503)).retryAfterMs).toBeUndefined();
  });

  it('timeouts, connection errors and caller aborts', () => {
    expect(classifyError(new mod.APIConnectionTimeoutError())).toMatchObject({ kind: 'provider', category: 'timeout' });
    expect(classifyError(new mod.APIConnectionError({ message: 'down' }))).toMatchObject({
      kind: 'provider',
      category: 'connection',
      errorType: 'APIConnectionError',
    });
    expect(classifyError(new mod.APIUserAbortError())).toMatchObject({ kind: 'aborted' });
  });
});

describe('classifyError: anything else', () => {
  it('bugs in a target are unknown (thrown at once)', () => {
    expect(classifyError(new TypeError('x is not a function'))).toEqual({ kind: 'unknown', errorType: 'TypeError' });
    expect(classifyError('boom')).toEqual({ kind: 'unknown', errorType: '_OTHER' });
    expect(classifyError(null)).toEqual({ kind: 'unknown', errorType: '_OTHER' });
  });

  it('Node network errors, also as a cause', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyError(reset)).toMatchObject({ kind: 'provider', category: 'connection' });
    expect(classifyError(new TypeError('fetch failed', { cause: reset }))).toMatchObject({
      kind: 'provider',
      category: 'connection',
      errorType: 'TypeError',
    });
    const timedOut = Object.assign(new Error('t'), { code: 'ETIMEDOUT' });
    expect(classifyError(timedOut)).toMatchObject({ kind: 'provider', category: 'timeout' });
    expect(classifyError(new DOMException('aborted', 'AbortError'))).toMatchObject({ kind: 'aborted' });
  });

  it('an overloaded error event inside a stream (status-less APIError)', () => {
    const err = new anthropicV1.APIError(
      undefined,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      'Overloaded',
      undefined as never,
    );
    expect(classifyError(err)).toMatchObject({ kind: 'provider', category: 'overloaded' });
    const other = new anthropicV1.APIError(undefined, { type: 'error', error: { type: 'x' } }, 'x', undefined as never);
    expect(classifyError(other).kind).toBe('unknown');
  });

  it('the status of every instrumented SDK’s errors: Gemini `status`, Mistral `statusCode`, AWS `$metadata`', () => {
    expect(classifyError(new genai.ApiError({ message: 'busy', status: 503 }))).toMatchObject({
      kind: 'provider',
      category: 'server_error',
      errorType: '503',
    });
    const response = new Response('{"message":"Requests rate limit exceeded"}', {
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '2' },
    });
    const mistral = new MistralSDKError('rate limited', { response, request: new Request('http://x'), body: '' });
    expect(classifyError(mistral)).toMatchObject({ kind: 'provider', category: 'rate_limit', errorType: '429' });
    const throttled = new bedrock.ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 429 } });
    expect(classifyError(throttled)).toMatchObject({ kind: 'provider', category: 'rate_limit', errorType: '429' });
    const invalid = new bedrock.ValidationException({ message: 'bad', $metadata: { httpStatusCode: 400 } });
    expect(classifyError(invalid)).toMatchObject({ kind: 'caller', errorType: '400' });
  });

  it('failureClasses: the names fallbackOn matches', () => {
    expect(failureClasses(classifyError({ status: 503 }))).toEqual(['503', '5xx', 'server_error']);
    expect(failureClasses(classifyError(new openaiV6.APIConnectionTimeoutError()))).toEqual([
      'timeout',
      'APIConnectionTimeoutError',
    ]);
  });
});

describe('retryAfter', () => {
  it('seconds, fractions, milliseconds, an HTTP date, junk', () => {
    expect(retryAfter({ 'retry-after': '1.5' })).toBe(1500);
    expect(retryAfter({ 'Retry-After': '3' })).toBe(3000);
    expect(retryAfter({ 'retry-after': ['4'] })).toBe(4000);
    expect(retryAfter(new Headers({ 'retry-after-ms': '20' }))).toBe(20);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfter({ 'retry-after': 'Wed, 31 Dec 2025 00:00:05 GMT' }, now)).toBe(0);
    expect(retryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(retryAfter({ 'retry-after': '-1' })).toBeUndefined();
    expect(retryAfter(undefined)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  const o = { initialDelayMs: 500, maxDelayMs: 8000, jitter: 0.25 };
  it('doubles from the initial delay up to the cap, minus up to `jitter` of it', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, o, 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffMs(0, o, 1)).toBe(375);
    expect(backoffMs(5, o, 0.5)).toBe(7000);
  });
});
