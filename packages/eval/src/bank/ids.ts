import { createHash } from 'node:crypto';
import type { Vars } from './model.js';

/** JSON with sorted keys: equal variables give equal text whatever order they were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The dedup key of a case: its variables, canonically. */
export function varsKey(vars: Vars): string {
  return createHash('sha256').update(canonicalJson(vars)).digest('hex');
}

/** A stable case id made from the variables (what `bank add` writes when no id is given). */
export function caseIdFor(vars: Vars): string {
  return `c-${varsKey(vars).slice(0, 10)}`;
}
