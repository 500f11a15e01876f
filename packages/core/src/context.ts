import { type Context, context, createContextKey } from '@opentelemetry/api';

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
