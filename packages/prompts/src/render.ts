import { PromptError } from './errors.js';
import { type ChatMessage, PLACEHOLDER_RE, type PromptSpec } from './spec.js';

export type Variables = Record<string, string | number | boolean | undefined>;

/** A chat prompt renders to messages, a text prompt to text. */
export type Rendered = { type: 'chat'; messages: ChatMessage[] } | { type: 'text'; text: string };

/**
 * Checks `vars` against the spec's schema (unknown, missing, wrong type, not in enum: a PromptError
 * naming each problem), fills defaults and returns the values to substitute, as strings.
 */
export function resolveVariables(spec: PromptSpec, vars: Variables = {}): Map<string, string> {
  const problems: string[] = [];
  const out = new Map<string, string>();
  for (const key of Object.keys(vars)) {
    if (spec.variables[key] === undefined) {
      const declared = Object.keys(spec.variables);
      problems.push(`unknown variable "${key}" (declared: ${declared.length > 0 ? declared.join(', ') : 'none'})`);
    }
  }
  for (const [key, def] of Object.entries(spec.variables)) {
    let value = vars[key];
    if (value === undefined) value = def.default;
    if (value === undefined) {
      if (def.required !== false) problems.push(`missing required variable "${key}" (${def.type})`);
      else out.set(key, '');
      continue;
    }
    if (typeof value !== def.type || (def.type === 'number' && !Number.isFinite(value))) {
      problems.push(`variable "${key}" must be a ${def.type}, got ${value === null ? 'null' : typeof value}`);
      continue;
    }
    if (def.enum !== undefined && !def.enum.includes(value)) {
      problems.push(`variable "${key}" must be one of ${def.enum.map((e) => JSON.stringify(e)).join(', ')}`);
      continue;
    }
    out.set(key, String(value));
  }
  if (problems.length > 0) {
    throw new PromptError('variables', `${spec.name} v${spec.version}: ${problems.join('; ')}`, { prompt: spec.name });
  }
  return out;
}

/**
 * Substitutes `{{name}}` (spaces inside the braces allowed). Values are inserted as they are and never
 * scanned again, so a value containing `{{x}}` stays literal; `\{{` in a template is a literal `{{`.
 * No expressions, no code: this is string substitution only.
 */
export function fill(text: string, values: Map<string, string>): string {
  return text.replace(PLACEHOLDER_RE, (_m, escaped: string | undefined, name: string | undefined) =>
    escaped !== undefined ? '{{' : (values.get(name!) ?? ''),
  );
}

export function render(spec: PromptSpec, vars?: Variables): Rendered {
  const values = resolveVariables(spec, vars);
  if (spec.messages !== undefined) {
    return { type: 'chat', messages: spec.messages.map((m) => ({ role: m.role, content: fill(m.content, values) })) };
  }
  return { type: 'text', text: fill(spec.template ?? '', values) };
}
