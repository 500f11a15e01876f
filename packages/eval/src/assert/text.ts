/** Deterministic assertions on the output text. Each returns pass and score before any `not-`. */
import { regexOf } from '../bank/model.js';
import type { Assertion } from './types.js';

export interface Verdict {
  pass: boolean;
  score: number;
  reason: string;
}

const quote = (s: string, max = 80) => JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
const yes = (reason: string): Verdict => ({ pass: true, score: 1, reason });
const no = (reason: string): Verdict => ({ pass: false, score: 0, reason });

export function textAssertion(a: Assertion, output: string, expected: string | undefined): Verdict {
  const value = a.value;
  switch (a.base) {
    case 'equals': {
      const want = (value as string | undefined) ?? (expected as string);
      return output === want
        ? yes('output equals the expected text')
        : no(`output ${quote(output)} is not ${quote(want)}`);
    }
    case 'contains':
      return output.includes(value as string)
        ? yes(`contains ${quote(value as string)}`)
        : no(`does not contain ${quote(value as string)}`);
    case 'icontains':
      return output.toLowerCase().includes((value as string).toLowerCase())
        ? yes(`contains ${quote(value as string)} (any case)`)
        : no(`does not contain ${quote(value as string)} (any case)`);
    case 'contains-any':
    case 'icontains-any':
    case 'contains-all':
    case 'icontains-all': {
      const fold = a.base.startsWith('i') ? (s: string) => s.toLowerCase() : (s: string) => s;
      const list = value as string[];
      const found = list.filter((v) => fold(output).includes(fold(v)));
      const all = a.base.endsWith('-all');
      const pass = all ? found.length === list.length : found.length > 0;
      const missing = list.filter((v) => !found.includes(v));
      return {
        pass,
        score: all ? found.length / list.length : pass ? 1 : 0,
        reason: pass
          ? `contains ${found.map((v) => quote(v)).join(', ')}`
          : all
            ? `missing ${missing.map((v) => quote(v)).join(', ')}`
            : `contains none of ${list.map((v) => quote(v)).join(', ')}`,
      };
    }
    case 'starts-with':
      return output.startsWith(value as string)
        ? yes(`starts with ${quote(value as string)}`)
        : no(`starts with ${quote(output.slice(0, 40))}, not ${quote(value as string)}`);
    case 'regex':
      return regexOf(value as string).test(output) ? yes(`matches ${value}`) : no(`does not match ${value}`);
    default:
      throw new Error(`not a text assertion: ${a.type}`);
  }
}
