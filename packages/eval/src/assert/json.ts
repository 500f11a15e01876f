/** `is-json` (the whole output) and `contains-json` (a JSON value inside it), each with an optional JSON Schema. */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Verdict } from './text.js';
import type { Assertion } from './types.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** A schema that does not compile is the bank's mistake: it throws, and the assertion is an error. */
function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function check(value: unknown, schema: object | undefined, what: string): Verdict {
  if (schema === undefined) return { pass: true, score: 1, reason: `${what} is JSON` };
  const v = validator(schema);
  if (v(value)) return { pass: true, score: 1, reason: `${what} is JSON matching the schema` };
  return { pass: false, score: 0, reason: `${what} does not match the schema: ${ajv.errorsText(v.errors)}` };
}

/** JSON values embedded in a text: each `{` or `[` that starts a parsable value, longest first. */
function embedded(text: string): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '{' && ch !== '[') continue;
    const close = ch === '{' ? '}' : ']';
    for (let j = text.lastIndexOf(close); j > i; j = text.lastIndexOf(close, j - 1)) {
      try {
        out.push(JSON.parse(text.slice(i, j + 1)));
        i = j;
        break;
      } catch {
        // try a shorter span
      }
    }
  }
  return out;
}

export function jsonAssertion(a: Assertion, output: string): Verdict {
  const schema = a.value as object | undefined;
  if (a.base === 'is-json') {
    let value: unknown;
    try {
      value = JSON.parse(output);
    } catch (err) {
      return { pass: false, score: 0, reason: `output is not JSON (${(err as Error).message})` };
    }
    return check(value, schema, 'output');
  }
  const values = embedded(output);
  if (values.length === 0) return { pass: false, score: 0, reason: 'output contains no JSON object or array' };
  let last: Verdict | undefined;
  for (const v of values) {
    last = check(v, schema, 'a JSON value in the output');
    if (last.pass) return last;
  }
  return last as Verdict;
}
