import { createHmac } from 'node:crypto';
import { type Attributes, type Context, context, createContextKey, propagation } from '@opentelemetry/api';
import { ATTR, SEGMENT_BAGGAGE_KEY } from './names.js';
import { withVariablesSlot } from './run-context.js';

/** Which prompt produced the completions made inside a scope of work. */
export interface PromptRef {
  name: string;
  version: string;
  label?: string;
  /** The sha256 of the version's file, when it came from a registry (spans only). */
  sha256?: string;
  /** Where the version came from, e.g. `registry` or `fallback` (spans only). */
  source?: string;
  /**
   * The template variables it was rendered with (`gen_ai.prompt.variable.<key>` on spans, with content
   * capture on). `@promptscope/prompts` records them from `render()`/`request()` inside `prompt.run`.
   */
  variables?: Readonly<Record<string, string | number | boolean>>;
}

const PROMPT_KEY = createContextKey('promptscope.prompt');

function checkPrompt(prompt: PromptRef): PromptRef {
  if (prompt === null || typeof prompt !== 'object') {
    throw new TypeError('withPrompt: expected { name, version, label? }, got ' + typeof prompt);
  }
  if (typeof prompt.name !== 'string' || prompt.name === '') {
    throw new TypeError('withPrompt: `name` must be a non-empty string (the prompt template name)');
  }
  if (typeof prompt.version !== 'string' || prompt.version === '') {
    throw new TypeError(
      'withPrompt: `version` must be a non-empty string, e.g. "3" or "2026-05-01" (numbers: pass String(n))',
    );
  }
  for (const key of ['label', 'sha256', 'source'] as const) {
    if (prompt[key] !== undefined && typeof prompt[key] !== 'string') {
      throw new TypeError(`withPrompt: \`${key}\` must be a string when given`);
    }
  }
  // A frozen copy: nothing the caller changes later can alter what completions inside record.
  const ref: PromptRef = { name: prompt.name, version: prompt.version, label: prompt.label };
  if (prompt.sha256 !== undefined) ref.sha256 = prompt.sha256;
  if (prompt.source !== undefined) ref.source = prompt.source;
  return Object.freeze(ref);
}

/**
 * Runs `fn` with `prompt` as the active prompt: every completion started inside, across `await`s and
 * timers, carries `gen_ai.prompt.name` and `gen_ai.prompt.version` (and `promptscope.prompt.label`) on
 * its span and metrics.
 */
export function withPrompt<R>(prompt: PromptRef, fn: () => R): R {
  return context.with(setPrompt(context.active(), prompt), fn);
}

/** Returns a context carrying `prompt`, for code that manages contexts itself. */
export function setPrompt(ctx: Context, prompt: PromptRef): Context {
  return withVariablesSlot(ctx.setValue(PROMPT_KEY, checkPrompt(prompt)), prompt.variables);
}

/** The prompt active in `ctx` (default: the active context), if any. */
export function getPrompt(ctx: Context = context.active()): PromptRef | undefined {
  return ctx.getValue(PROMPT_KEY) as PromptRef | undefined;
}

/** One attempt of a routed call (see `callWithFallback`): which route, target, attempt number and kind. */
export interface AttemptRef {
  route: string;
  target: string;
  /** 1-based, across every target of the logical call. */
  number: number;
  kind: 'initial' | 'retry' | 'fallback';
  /** The backoff waited before this attempt, for retries. */
  delayMs?: number;
}

const ATTEMPT_KEY = createContextKey('promptscope.attempt');

interface AttemptEntry {
  ref: AttemptRef;
  /** Built once per attempt: the recorder copies them onto every provider span started inside. */
  attributes: Attributes;
}

/** Returns a context carrying `attempt`: provider spans started inside carry `promptscope.attempt.*`. */
export function setAttempt(ctx: Context, attempt: AttemptRef): Context {
  const attributes: Attributes = {
    [ATTR.ROUTE_NAME]: attempt.route,
    [ATTR.ROUTE_TARGET]: attempt.target,
    [ATTR.ATTEMPT_NUMBER]: attempt.number,
    [ATTR.ATTEMPT_KIND]: attempt.kind,
  };
  if (attempt.delayMs !== undefined) attributes[ATTR.RETRY_DELAY_MS] = attempt.delayMs;
  const entry: AttemptEntry = { ref: Object.freeze({ ...attempt }), attributes: Object.freeze(attributes) };
  return ctx.setValue(ATTEMPT_KEY, entry);
}

/** The routed attempt active in `ctx` (default: the active context), if any. */
export function getAttempt(ctx: Context = context.active()): AttemptRef | undefined {
  return (ctx.getValue(ATTEMPT_KEY) as AttemptEntry | undefined)?.ref;
}

/** @internal The span attributes of the attempt active in `ctx`: one lookup, no allocation. */
export function attemptAttributes(ctx: Context): Attributes | undefined {
  return (ctx.getValue(ATTEMPT_KEY) as AttemptEntry | undefined)?.attributes;
}

/** The longest segment accepted: segments are a handful of names (`free`, `pro`, a feature), not ids. */
export const SEGMENT_MAX_LENGTH = 64;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function segmentProblem(segment: unknown): string | undefined {
  if (typeof segment !== 'string') return `expected a string, got ${segment === null ? 'null' : typeof segment}`;
  if (segment === '') return 'it is empty';
  if (segment.length > SEGMENT_MAX_LENGTH) {
    return `it is ${segment.length} characters long (at most ${SEGMENT_MAX_LENGTH}: a segment names a group such as "free" or "pro", not a user)`;
  }
  if (CONTROL.test(segment)) return 'it contains control characters';
  return undefined;
}

function checkSegment(segment: unknown, fn: string): string {
  const problem = segmentProblem(segment);
  if (problem !== undefined) {
    throw new TypeError(
      `${fn}: invalid segment ${typeof segment === 'string' ? JSON.stringify(segment.slice(0, 80)) : ''}: ${problem}.`,
    );
  }
  return segment as string;
}

/**
 * Runs `fn` with `segment` (a low-cardinality name for who the work is for: `free`, `pro`, a feature) as
 * the active user segment: completions started inside, across `await`s and timers, carry
 * `promptscope.user.segment` on their spans and metrics. The segment travels as the W3C baggage entry
 * `promptscope.segment`, so services called from inside (with trace propagation on) inherit it.
 */
export function withSegment<R>(segment: string, fn: () => R): R {
  return context.with(setSegmentChecked(context.active(), checkSegment(segment, 'withSegment')), fn);
}

/** Returns a context carrying `segment` (in its W3C baggage), for code that manages contexts itself. */
export function setSegment(ctx: Context, segment: string): Context {
  return setSegmentChecked(ctx, checkSegment(segment, 'setSegment'));
}

function setSegmentChecked(ctx: Context, segment: string): Context {
  const baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  return propagation.setBaggage(ctx, baggage.setEntry(SEGMENT_BAGGAGE_KEY, { value: segment }));
}

/**
 * The segment active in `ctx` (default: the active context): set by `withSegment` here, or received in
 * the W3C baggage of an incoming request (extracted by your HTTP server instrumentation or
 * `propagation.extract`). A received value that is not a valid segment is ignored.
 */
export function getSegment(ctx: Context = context.active()): string | undefined {
  // One context lookup when absent (the baggage), no allocation.
  const value = propagation.getBaggage(ctx)?.getEntry(SEGMENT_BAGGAGE_KEY)?.value;
  if (value === undefined) return undefined;
  return value === lastValid || segmentProblem(value) === undefined ? (lastValid = value) : undefined;
}
// Baggage from the wire is a new string per request; checking the common repeat is a comparison.
let lastValid: string | undefined;

/** The longest end-user id accepted (it is hashed; the limit only keeps a mistake from hashing megabytes). */
const USER_ID_MAX_LENGTH = 1024;
const USER_KEY = createContextKey('promptscope.user');

interface UserEntry {
  readonly id: string;
  /** The last hash computed, and the salt it was computed with. */
  salt: string | undefined;
  hash: string | undefined;
}

function checkUserId(id: unknown, fn: string): string {
  if (typeof id !== 'string' || id === '') {
    throw new TypeError(`${fn}: the end-user id must be a non-empty string (numbers: pass String(id)).`);
  }
  if (id.length > USER_ID_MAX_LENGTH) {
    throw new TypeError(`${fn}: the end-user id is ${id.length} characters long (at most ${USER_ID_MAX_LENGTH}).`);
  }
  return id;
}

/**
 * Runs `fn` with `endUserId` as the end user of the work. The raw id stays in this process's context:
 * it is never exported and never sent in baggage. Only when `hashUserId` (env
 * `PROMPTSCOPE_CAPTURE_USER_ID=hashed`) is on do completion spans carry `enduser.id` =
 * {@link hashUserId}(id, salt); metrics never carry it.
 */
export function withUser<R>(endUserId: string, fn: () => R): R {
  return context.with(setUser(context.active(), endUserId), fn);
}

/** Returns a context carrying `endUserId` (in process only), for code that manages contexts itself. */
export function setUser(ctx: Context, endUserId: string): Context {
  const entry: UserEntry = { id: checkUserId(endUserId, 'setUser'), salt: undefined, hash: undefined };
  return ctx.setValue(USER_KEY, entry);
}

/** The raw end-user id active in `ctx` (default: the active context), if any. In process only. */
export function getUser(ctx: Context = context.active()): string | undefined {
  return (ctx.getValue(USER_KEY) as UserEntry | undefined)?.id;
}

/**
 * The value `enduser.id` gets: HMAC-SHA256 of `endUserId` keyed with `salt` (empty when none), hex, first
 * 32 characters. Use it to find a user's spans: `hashUserId(id, process.env.PROMPTSCOPE_USER_ID_SALT)`.
 */
export function hashUserId(endUserId: string, salt: string | undefined): string {
  return createHmac('sha256', salt ?? '')
    .update(endUserId)
    .digest('hex')
    .slice(0, 32);
}

/** @internal The hashed id of the user active in `ctx`: one lookup, and one hash per scope and salt. */
export function hashedUser(ctx: Context, salt: string | undefined): string | undefined {
  const entry = ctx.getValue(USER_KEY) as UserEntry | undefined;
  if (entry === undefined) return undefined;
  if (entry.hash === undefined || entry.salt !== salt) {
    entry.hash = hashUserId(entry.id, salt);
    entry.salt = salt;
  }
  return entry.hash;
}
