import { createHash } from 'node:crypto';
import { isRecord } from '@promptscope/core/provider';
import { parseDocument, YAMLError } from 'yaml';
import { PromptError } from './errors.js';

/** A variable a template may use. */
export interface VariableSpec {
  type: 'string' | 'number' | 'boolean';
  /** Default: true, unless a `default` is given. */
  required?: boolean;
  default?: string | number | boolean;
  /** Allowed values. */
  enum?: Array<string | number | boolean>;
  description?: string;
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** The content of one immutable version file, `<name>/v<N>.yaml`. */
export interface PromptSpec {
  name: string;
  version: number;
  description?: string;
  model: string;
  /** Which provider's API serves `model`; absent: inferred from the model name (`claude-*` is anthropic). */
  provider?: PromptProvider;
  /** Passed to the provider as given (temperature, max_tokens, ...). */
  parameters: Record<string, unknown>;
  /** Exactly one of `template` (a text prompt) and `messages` (a chat prompt). */
  template?: string;
  messages?: ChatMessage[];
  variables: Record<string, VariableSpec>;
}

/** The providers a version file can name. */
export const PROVIDERS = ['openai', 'anthropic'] as const;
export type PromptProvider = (typeof PROVIDERS)[number];

/** The version's provider: the `provider:` field, else `anthropic` for `claude-*` models, else `openai`. */
export function providerOf(spec: Pick<PromptSpec, 'model' | 'provider'>): PromptProvider {
  if (spec.provider !== undefined) return spec.provider;
  return /^claude/i.test(spec.model) ? 'anthropic' : 'openai';
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const LABEL_RE = /^[a-z][a-z0-9_-]{0,62}$/;
const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/** Prompt names double as folder names and URL path segments: letters, digits, `-` and `_`. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new PromptError(
      'refused',
      `invalid prompt name ${JSON.stringify(name)}: use letters, digits, "-" and "_" (at most 100, starting with a letter or digit)`,
    );
  }
  return name;
}

export function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || !LABEL_RE.test(label)) {
    throw new PromptError(
      'refused',
      `invalid label ${JSON.stringify(label)}: use lower-case letters, digits, "-" and "_", starting with a letter`,
    );
  }
  return label;
}

/** Accepts 3, "3" and "v3". */
export function parseVersion(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.replace(/^v/i, '') : '';
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new PromptError(
      'refused',
      `invalid version ${JSON.stringify(value)}: expected a positive integer like 3 or "v3"`,
    );
  }
  return n;
}

export function versionFileName(version: number): string {
  return `v${version}.yaml`;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The `{{var}}` placeholders of a text, in order of first use (escaped `\{{` excluded). */
export function placeholders(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_RE)) {
    if (m[1] === undefined) seen.add(m[2]!);
  }
  return [...seen];
}

/** Group 1: an escaped `\{{`; group 2: a variable name inside `{{ }}`. */
export const PLACEHOLDER_RE = /(\\\{\{)|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Parses and validates one version file. `where` names the file (or URL) in error messages;
 * `expected` checks the file against the folder and file name it was found under.
 */
export function parseSpec(
  bytes: Uint8Array | string,
  where: string,
  expected?: { name?: string; version?: number },
): PromptSpec {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  let doc: unknown;
  try {
    const parsed = parseDocument(text, { uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
    // Warnings (an unknown tag such as !!js/function, ...) are refused too: a version file is plain data.
    const problem = parsed.errors[0] ?? parsed.warnings[0];
    if (problem !== undefined) throw problem;
    doc = parsed.toJS({ maxAliasCount: 50 });
  } catch (err) {
    const detail = err instanceof YAMLError ? err.message : String(err);
    throw new PromptError('invalid', `${where}: not valid YAML: ${detail}`, { location: where, cause: err });
  }
  return validateSpec(doc, where, expected);
}

function fail(where: string, what: string): never {
  throw new PromptError('invalid', `${where}: ${what}`, { location: where });
}

export function validateSpec(doc: unknown, where: string, expected?: { name?: string; version?: number }): PromptSpec {
  if (!isRecord(doc)) fail(where, 'expected a YAML mapping with name, version, model and template or messages');
  const known = new Set([
    'name',
    'version',
    'description',
    'model',
    'provider',
    'parameters',
    'template',
    'messages',
    'variables',
  ]);
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) fail(where, `unknown field "${key}" (allowed: ${[...known].join(', ')})`);
  }
  const { name, version, description, model, provider, parameters, template, messages, variables } = doc;
  if (typeof name !== 'string' || !NAME_RE.test(name))
    fail(where, '"name" must be a prompt name (letters, digits, - and _)');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    fail(where, '"version" must be a positive integer');
  }
  if (expected?.name !== undefined && name !== expected.name) {
    fail(where, `"name" is ${JSON.stringify(name)} but the file is in the folder of ${JSON.stringify(expected.name)}`);
  }
  if (expected?.version !== undefined && version !== expected.version) {
    fail(where, `"version" is ${version} but the file is ${versionFileName(expected.version)}`);
  }
  if (description !== undefined && typeof description !== 'string') fail(where, '"description" must be a string');
  if (typeof model !== 'string' || model === '') fail(where, '"model" must be a non-empty string, e.g. gpt-4o-mini');
  if (parameters !== undefined && !isRecord(parameters)) {
    fail(where, '"parameters" must be a mapping, e.g. { temperature: 0.2, max_tokens: 300 }');
  }
  if ((template === undefined) === (messages === undefined)) {
    fail(where, 'give exactly one of "template" (text) and "messages" (chat)');
  }
  if (provider !== undefined && !PROVIDERS.includes(provider as PromptProvider)) {
    fail(where, `"provider" must be one of ${PROVIDERS.join(', ')} (or left out: inferred from the model)`);
  }
  const spec: PromptSpec = { name, version, model, parameters: { ...(parameters ?? {}) }, variables: {} };
  if (description !== undefined) spec.description = description;
  if (provider !== undefined) spec.provider = provider as PromptProvider;
  const texts: string[] = [];
  if (template !== undefined) {
    if (typeof template !== 'string') fail(where, '"template" must be a string');
    spec.template = template;
    texts.push(template);
  } else {
    if (!Array.isArray(messages) || messages.length === 0) fail(where, '"messages" must be a non-empty list');
    spec.messages = messages.map((m, i) => {
      if (!isRecord(m) || typeof m.role !== 'string' || typeof m.content !== 'string') {
        fail(where, `messages[${i}] must be { role, content } with string values`);
      }
      if (!ROLES.has(m.role)) fail(where, `messages[${i}].role "${m.role}" is not one of ${[...ROLES].join(', ')}`);
      const extra = Object.keys(m).filter((k) => k !== 'role' && k !== 'content');
      if (extra.length > 0) fail(where, `messages[${i}] has unknown field(s) ${extra.join(', ')}`);
      texts.push(m.content);
      return { role: m.role, content: m.content };
    });
  }
  if (variables !== undefined && variables !== null) {
    if (!isRecord(variables))
      fail(where, '"variables" must be a mapping of variable name to { type, required?, default?, enum? }');
    for (const [v, raw] of Object.entries(variables)) {
      spec.variables[v] = validateVariable(where, v, raw);
    }
  }
  for (const text of texts) {
    for (const v of placeholders(text)) {
      if (spec.variables[v] === undefined) {
        fail(where, `the template uses {{${v}}} but "variables" does not declare it`);
      }
    }
  }
  return spec;
}

function validateVariable(where: string, v: string, raw: unknown): VariableSpec {
  if (!VAR_RE.test(v)) fail(where, `variable name "${v}" must be an identifier (letters, digits, _)`);
  // Shorthand: `question: string`.
  const def = typeof raw === 'string' ? { type: raw } : raw;
  if (!isRecord(def)) fail(where, `variables.${v} must be a type name or { type, required?, default?, enum? }`);
  for (const key of Object.keys(def)) {
    if (!['type', 'required', 'default', 'enum', 'description'].includes(key)) {
      fail(where, `variables.${v} has unknown field "${key}"`);
    }
  }
  const type = def.type ?? 'string';
  if (type !== 'string' && type !== 'number' && type !== 'boolean') {
    fail(where, `variables.${v}.type must be string, number or boolean`);
  }
  const spec: VariableSpec = { type };
  if (def.required !== undefined) {
    if (typeof def.required !== 'boolean') fail(where, `variables.${v}.required must be true or false`);
    spec.required = def.required;
  }
  if (def.enum !== undefined) {
    if (!Array.isArray(def.enum) || def.enum.length === 0 || def.enum.some((e) => typeof e !== type)) {
      fail(where, `variables.${v}.enum must be a non-empty list of ${type} values`);
    }
    spec.enum = [...def.enum] as Array<string | number | boolean>;
  }
  if (def.default !== undefined) {
    if (typeof def.default !== type) fail(where, `variables.${v}.default must be a ${type}`);
    if (spec.enum !== undefined && !spec.enum.includes(def.default as string)) {
      fail(where, `variables.${v}.default is not one of its enum values`);
    }
    spec.default = def.default as string | number | boolean;
  }
  if (def.description !== undefined) {
    if (typeof def.description !== 'string') fail(where, `variables.${v}.description must be a string`);
    spec.description = def.description;
  }
  return spec;
}
