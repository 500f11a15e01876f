/**
 * What a completion's span records beyond the call itself, set by the code around the call: the variables a
 * registry prompt was rendered with (`gen_ai.prompt.variable.<key>`, only with content capture on) and the
 * attributes of a test or replay run (`test.*`, `promptscope.run.kind`) that every provider span of that run
 * carries. Both travel in the OTel context, so nothing here touches a provider package.
 */
import { type Attributes, type Context, context, createContextKey } from '@opentelemetry/api';
import type { RedactHook } from './config.js';
import { ATTR } from './names.js';

/** Template inputs as the app passed them (strings, numbers, booleans). */
export type PromptVariables = Readonly<Record<string, string | number | boolean>>;

/** One slot per prompt scope (`withPrompt`): the variables of the last render made inside it. */
interface VariablesSlot {
  value: PromptVariables | undefined;
}

const VARIABLES_KEY = createContextKey('promptscope.prompt.variables');
const RUN_KEY = createContextKey('promptscope.run.attributes');

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

function clean(vars: unknown): PromptVariables | undefined {
  if (vars === null || typeof vars !== 'object') return undefined;
  const out: Record<string, string | number | boolean> = {};
  let n = 0;
  for (const [k, v] of Object.entries(vars)) {
    if (!KEY_RE.test(k)) continue;
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) {
      out[k] = v;
      n++;
    }
  }
  return n > 0 ? Object.freeze(out) : undefined;
}

/** @internal `withPrompt` gives each prompt scope a fresh slot, seeded with the ref's own `variables`. */
export function withVariablesSlot(ctx: Context, initial: unknown): Context {
  const slot: VariablesSlot = { value: clean(initial) };
  return ctx.setValue(VARIABLES_KEY, slot);
}

/**
 * Records the variables a prompt of the active scope (`withPrompt`, `prompt.run`) was rendered with:
 * completions started afterwards inside that scope carry them as `gen_ai.prompt.variable.<key>` when
 * content capture is on. `@promptscope/prompts` calls it from `render()`/`request()`. Returns false (and
 * records nothing) outside a prompt scope. Values are copied; keys that are not identifiers are skipped.
 */
export function setPromptVariables(vars: unknown, ctx: Context = context.active()): boolean {
  const slot = ctx.getValue(VARIABLES_KEY) as VariablesSlot | undefined;
  if (slot === undefined) return false;
  slot.value = clean(vars);
  return true;
}

/** The variables recorded in the prompt scope of `ctx`, if any. */
export function getPromptVariables(ctx: Context = context.active()): PromptVariables | undefined {
  return (ctx.getValue(VARIABLES_KEY) as VariablesSlot | undefined)?.value;
}

/**
 * Returns a context whose provider spans carry `attributes` (a test or replay run's `test.suite.name`,
 * `test.suite.run.id`, `test.case.name`, `promptscope.run.kind`, ...). Set once per scope, copied onto every
 * provider span started inside, after the call's own attributes.
 */
export function setRunAttributes(ctx: Context, attributes: Attributes): Context {
  return ctx.setValue(RUN_KEY, Object.freeze({ ...attributes }));
}

/** @internal The run attributes of `ctx`: one lookup, no allocation. */
export function runAttributes(ctx: Context): Attributes | undefined {
  return ctx.getValue(RUN_KEY) as Attributes | undefined;
}

const MARK = '…[truncated]';

/** A string cut to at most `maxBytes` UTF-8 bytes (marked), never splitting a character. */
export function fitString(value: string, maxBytes: number): { value: string; truncated: boolean } {
  if (Buffer.byteLength(value, 'utf8') <= maxBytes) return { value, truncated: false };
  const budget = Math.max(0, maxBytes - Buffer.byteLength(MARK, 'utf8'));
  let out = '';
  let used = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return { value: out + MARK, truncated: true };
}

/**
 * The `gen_ai.prompt.variable.<key>` attributes of `vars`, after the redaction hook (kind
 * `prompt_variables`, the whole record: return it changed, or undefined to record none) and the byte
 * budget of each value. Throws what the hook throws: the caller records nothing then.
 */
export function variableAttributes(
  vars: PromptVariables,
  redact: RedactHook | undefined,
  maxBytes: number,
): { attributes: Attributes; truncated: boolean } {
  const value = redact !== undefined ? redact('prompt_variables', vars) : vars;
  const attributes: Attributes = {};
  let truncated = false;
  const kept = clean(value);
  if (kept === undefined) return { attributes, truncated };
  for (const [k, v] of Object.entries(kept)) {
    const fitted = fitString(String(v), maxBytes);
    truncated ||= fitted.truncated;
    attributes[ATTR.PROMPT_VARIABLE_PREFIX + k] = fitted.value;
  }
  return { attributes, truncated };
}
