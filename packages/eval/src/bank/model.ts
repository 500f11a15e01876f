import { isRecord } from '@promptscope/core/provider';
/**
 * The test bank of one prompt, `prompt-tests/<prompt>.yaml`: its cases, each with variables, assertions and
 * where it came from. Validation names the file, the case and the field (with its line), so a reviewer can
 * fix a bad bank from the message alone.
 */
import {
  ASSERTION_TYPES,
  type Assertion,
  type AssertionType,
  EXPECTED_TYPES,
  LIST_TYPES,
  STRING_TYPES,
  THRESHOLD_TYPES,
} from '../assert/types.js';
import { BankError } from '../errors.js';

export type VarValue = string | number | boolean;
export type Vars = Record<string, VarValue>;

/** Where a case came from in production. */
export interface CaseSource {
  traceId?: string;
  spanId?: string;
  promptVersion?: string;
  model?: string;
  /** When production made the completion (ISO 8601). */
  capturedAt?: string;
  /** Why it was picked: `thumbs_down`, `negative_feedback`, `failed`, `selected`. */
  signal?: string;
  service?: string;
  /** `jaeger` or the replay file it was read from. */
  from?: string;
}

export interface BankCase {
  id: string;
  description?: string;
  vars: Vars;
  /** Must pass, whatever the pass-rate policy. */
  critical: boolean;
  tags: string[];
  /** The defaults' assertions first, then the case's own. */
  assert: Assertion[];
  /** A known-good output; `equals` and `similar` without a `value` compare with it. */
  expected?: string;
  /** With a threshold the case passes on its weighted score; without, every assertion must hold. */
  threshold?: number;
  source?: CaseSource;
  /** Index in the file's `cases` list. */
  index: number;
}

export interface Bank {
  file: string;
  prompt: string;
  /** sha256 of the file's bytes, recorded in reports. */
  sha256: string;
  /** What every case gets; replay applies it to production inputs that match no case. */
  defaults: { assert: Assertion[]; threshold?: number };
  cases: BankCase[];
}

/** Finds the line and column of a field, for messages: `path` as in `doc.getIn`. */
export type Locate = (path: (string | number)[]) => string | undefined;

const CASE_FIELDS = new Set([
  'id',
  'description',
  'vars',
  'critical',
  'tags',
  'assert',
  'expected',
  'threshold',
  'source',
]);
const DEFAULT_FIELDS = new Set(['vars', 'critical', 'tags', 'assert', 'threshold']);
const ASSERT_FIELDS = new Set(['type', 'value', 'threshold', 'weight', 'metric']);
const SOURCE_FIELDS = new Set([
  'traceId',
  'spanId',
  'promptVersion',
  'model',
  'capturedAt',
  'signal',
  'service',
  'from',
]);
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const KNOWN = new Set<string>(ASSERTION_TYPES);

class Checker {
  constructor(
    readonly file: string,
    readonly locate: Locate,
  ) {}

  fail(path: (string | number)[], what: string, caseId?: string): never {
    const at = this.locate(path);
    const field = fieldName(path);
    const where = caseId !== undefined ? ` case "${caseId}":` : '';
    throw new BankError(`${this.file}${at ? `:${at}` : ''}:${where} ${field}: ${what}`, {
      file: this.file,
      ...(caseId !== undefined ? { caseId } : {}),
      field,
    });
  }
}

/** `['cases', 2, 'assert', 0, 'type']` → `cases[2].assert[0].type`. */
export function fieldName(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Validates a parsed bank document. Throws {@link BankError} at the first problem. `runnable` (what the
 * gate asks) also refuses a case without any assertion; `bank add` writes such cases for a person to finish.
 */
export function validateBank(
  doc: unknown,
  file: string,
  sha256: string,
  locate: Locate = () => undefined,
  runnable = true,
): Bank {
  const c: Checker = new Checker(file, locate);
  if (!isRecord(doc)) c.fail([], 'a bank is a YAML mapping with `prompt:` and `cases:`');
  for (const key of Object.keys(doc)) {
    if (!['prompt', 'defaults', 'cases'].includes(key))
      c.fail([key], 'unknown field (allowed: prompt, defaults, cases)');
  }
  if (typeof doc.prompt !== 'string' || doc.prompt === '')
    c.fail(['prompt'], 'must name the prompt, e.g. prompt: support-reply');
  const defaults = doc.defaults ?? {};
  if (!isRecord(defaults)) c.fail(['defaults'], 'must be a mapping (vars, assert, tags, critical, threshold)');
  for (const key of Object.keys(defaults)) {
    if (!DEFAULT_FIELDS.has(key))
      c.fail(['defaults', key], `unknown field (allowed: ${[...DEFAULT_FIELDS].join(', ')})`);
  }
  const defVars = checkVars(c, ['defaults', 'vars'], defaults.vars);
  const defAssert = checkAsserts(c, ['defaults', 'assert'], defaults.assert, undefined);
  const defTags = checkTags(c, ['defaults', 'tags'], defaults.tags);
  if (defaults.critical !== undefined && typeof defaults.critical !== 'boolean')
    c.fail(['defaults', 'critical'], 'must be true or false');
  const defThreshold = checkUnit(c, ['defaults', 'threshold'], defaults.threshold);

  const cases = doc.cases ?? [];
  if (!Array.isArray(cases)) c.fail(['cases'], 'must be a list of cases');
  const seen = new Map<string, number>();
  const out: BankCase[] = cases.map((raw, i) => {
    const path = ['cases', i];
    if (!isRecord(raw)) c.fail(path, 'a case is a mapping with id, vars and assert');
    const id = raw.id;
    if (typeof id !== 'string' || !ID_RE.test(id)) {
      c.fail(
        [...path, 'id'],
        'must be a stable id of letters, digits, "-", "_", ".", ":" (bank add makes one from the vars)',
      );
    }
    const prev = seen.get(id);
    if (prev !== undefined) c.fail([...path, 'id'], `duplicate id, also cases[${prev}]`, id);
    seen.set(id, i);
    for (const key of Object.keys(raw)) {
      if (!CASE_FIELDS.has(key)) c.fail([...path, key], `unknown field (allowed: ${[...CASE_FIELDS].join(', ')})`, id);
    }
    if (raw.description !== undefined && typeof raw.description !== 'string')
      c.fail([...path, 'description'], 'must be a string', id);
    if (raw.critical !== undefined && typeof raw.critical !== 'boolean')
      c.fail([...path, 'critical'], 'must be true or false', id);
    if (raw.expected !== undefined && typeof raw.expected !== 'string')
      c.fail([...path, 'expected'], 'must be a string (the known-good output)', id);
    const vars = { ...defVars, ...checkVars(c, [...path, 'vars'], raw.vars, id) };
    const assert = [...defAssert, ...checkAsserts(c, [...path, 'assert'], raw.assert, id)];
    if (runnable && assert.length === 0) {
      c.fail(
        [...path, 'assert'],
        'no assertions: add at least one here or in defaults.assert before running the gate',
        id,
      );
    }
    const needsExpected = assert.find((a) => EXPECTED_TYPES.has(a.base) && a.value === undefined);
    if (needsExpected !== undefined && raw.expected === undefined) {
      c.fail(
        [...path, 'assert'],
        `"${needsExpected.type}" without a value compares with \`expected\`, which this case lacks`,
        id,
      );
    }
    const bankCase: BankCase = {
      id,
      vars,
      critical: (raw.critical as boolean | undefined) ?? (defaults.critical as boolean | undefined) ?? false,
      tags: [...new Set([...defTags, ...checkTags(c, [...path, 'tags'], raw.tags, id)])],
      assert,
      index: i,
    };
    if (raw.description !== undefined) bankCase.description = raw.description as string;
    if (raw.expected !== undefined) bankCase.expected = raw.expected as string;
    const threshold = checkUnit(c, [...path, 'threshold'], raw.threshold, id) ?? defThreshold;
    if (threshold !== undefined) bankCase.threshold = threshold;
    const source = checkSource(c, [...path, 'source'], raw.source, id);
    if (source !== undefined) bankCase.source = source;
    return bankCase;
  });
  const defaultsOut: Bank['defaults'] = { assert: defAssert };
  if (defThreshold !== undefined) defaultsOut.threshold = defThreshold;
  return { file, prompt: doc.prompt, sha256, defaults: defaultsOut, cases: out };
}

function checkVars(c: Checker, path: (string | number)[], raw: unknown, id?: string): Vars {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) c.fail(path, 'must be a mapping of variable name to a string, number or boolean', id);
  const out: Vars = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      c.fail(
        [...path, k],
        `must be a string, number or boolean, got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`,
        id,
      );
    }
    out[k] = v;
  }
  return out;
}

function checkTags(c: Checker, path: (string | number)[], raw: unknown, id?: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== 'string')) c.fail(path, 'must be a list of strings', id);
  return raw as string[];
}

function checkUnit(c: Checker, path: (string | number)[], raw: unknown, id?: string): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !(raw >= 0 && raw <= 1))
    c.fail(path, 'must be a number from 0 to 1 (the weighted score to reach)', id);
  return raw;
}

function checkSource(c: Checker, path: (string | number)[], raw: unknown, id: string): CaseSource | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) c.fail(path, 'must be a mapping (traceId, spanId, promptVersion, model, capturedAt, signal)', id);
  const out: CaseSource = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!SOURCE_FIELDS.has(k)) c.fail([...path, k], `unknown field (allowed: ${[...SOURCE_FIELDS].join(', ')})`, id);
    if (typeof v !== 'string' && typeof v !== 'number') c.fail([...path, k], 'must be a string', id);
    (out as Record<string, string>)[k] = String(v);
  }
  return out;
}

function checkAsserts(c: Checker, path: (string | number)[], raw: unknown, id: string | undefined): Assertion[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) c.fail(path, 'must be a list of assertions, e.g. [{ type: contains, value: refund }]', id);
  return raw.map((a, j) => checkAssert(c, [...path, j], a, id));
}

function checkAssert(c: Checker, path: (string | number)[], a: unknown, id: string | undefined): Assertion {
  if (!isRecord(a)) c.fail(path, 'an assertion is a mapping with a type, e.g. { type: contains, value: refund }', id);
  for (const key of Object.keys(a)) {
    if (!ASSERT_FIELDS.has(key))
      c.fail([...path, key], `unknown field (allowed: ${[...ASSERT_FIELDS].join(', ')})`, id);
  }
  const type = a.type;
  if (typeof type !== 'string')
    c.fail([...path, 'type'], `missing; one of ${ASSERTION_TYPES.join(', ')} (any with a not- prefix)`, id);
  const negate = type.startsWith('not-');
  const base = negate ? type.slice(4) : type;
  if (!KNOWN.has(base)) {
    c.fail(
      [...path, 'type'],
      `"${type}" is not an assertion type; known: ${ASSERTION_TYPES.join(', ')} (any with a not- prefix)`,
      id,
    );
  }
  const t = base as AssertionType;
  const out: Assertion = { type, base: t, negate, weight: 1 };
  const { value, threshold, weight, metric } = a;
  if (LIST_TYPES.has(t)) {
    const list =
      typeof value === 'string'
        ? value
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : value;
    if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string')) {
      c.fail([...path, 'value'], `${type} needs a list of strings, e.g. [refund, return]`, id);
    }
    out.value = list;
  } else if (STRING_TYPES.has(t)) {
    if (typeof value !== 'string' || value === '') c.fail([...path, 'value'], `${type} needs a string value`, id);
    if (t === 'regex') {
      try {
        regexOf(value);
      } catch (err) {
        c.fail([...path, 'value'], `not a valid regular expression: ${(err as Error).message}`, id);
      }
    }
    out.value = value;
  } else if (t === 'equals' || t === 'similar') {
    if (value !== undefined && typeof value !== 'string')
      c.fail([...path, 'value'], `${type} compares with a string`, id);
    if (value !== undefined) out.value = value;
  } else if (t === 'is-json' || t === 'contains-json') {
    if (value !== undefined && !isRecord(value))
      c.fail([...path, 'value'], `${type} takes an optional JSON Schema (a mapping)`, id);
    if (value !== undefined) out.value = value;
  } else if (value !== undefined) {
    c.fail([...path, 'value'], `${type} takes no value (its limit is \`threshold\`)`, id);
  }
  if (threshold !== undefined) {
    if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
      c.fail([...path, 'threshold'], 'must be a non-negative number', id);
    }
    if ((t === 'similar' || t === 'llm-rubric') && threshold > 1)
      c.fail([...path, 'threshold'], `${type} scores from 0 to 1`, id);
    out.threshold = threshold;
  } else if (THRESHOLD_TYPES.has(t)) {
    c.fail(
      [...path, 'threshold'],
      `${type} needs a threshold (${t === 'latency' ? 'milliseconds' : 'US dollars'})`,
      id,
    );
  }
  if (weight !== undefined) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
      c.fail([...path, 'weight'], 'must be a non-negative number', id);
    out.weight = weight;
  }
  if (metric !== undefined) {
    if (typeof metric !== 'string') c.fail([...path, 'metric'], 'must be a string', id);
    out.metric = metric;
  }
  return out;
}

/** `/pattern/flags` or a bare pattern. */
export function regexOf(text: string): RegExp {
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(text);
}
