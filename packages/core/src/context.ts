import { type Attributes, type Context, context, createContextKey } from '@opentelemetry/api';
import { ATTR } from './names.js';

/** Which prompt produced the completions made inside a scope of work. */
export interface PromptRef {
  name: string;
  version: string;
  label?: string;
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
  if (prompt.label !== undefined && typeof prompt.label !== 'string') {
    throw new TypeError('withPrompt: `label` must be a string when given, e.g. "production"');
  }
  // Frozen copy: the recorder caches attribute sets by identity of this object.
  return Object.freeze({ name: prompt.name, version: prompt.version, label: prompt.label });
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
  return ctx.setValue(PROMPT_KEY, checkPrompt(prompt));
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
