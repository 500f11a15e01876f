/**
 * Content attributes are JSON strings (the JS span API has no structured values). An SDK value-length
 * limit would cut them mid-token and leave invalid JSON, so we fit them to a byte budget ourselves:
 * long strings are shortened first, then trailing array items are dropped, and the result always parses.
 */

const MARK = '…[truncated]';
const MIN_STRING = 16;

export interface SerializedContent {
  json: string;
  truncated: boolean;
}

function replacer(_key: string, value: unknown): unknown {
  // Binary payloads are never useful as text and can be huge: say what was there instead.
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
    const data = (value as { data?: unknown }).data;
    if (Array.isArray(data)) return `[binary ${data.length} bytes]`;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

// JSON.stringify escapes these in a string (quote, backslash, control characters, lone surrogates; a pair
// matches too and just takes the slow path). Strings without them are written as they are.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const BAIL = Symbol('bail');
const MAX_DEPTH = 32;

/**
 * JSON for plain data (objects of Object.prototype or null, arrays, strings, finite numbers, booleans,
 * null), written by hand: for the small message arrays content capture produces it is several times faster
 * than JSON.stringify on Node 20, and it gives the same text. Anything else (a Buffer, a typed array, a
 * class instance, `toJSON`, a bigint, deep nesting, a cycle) returns BAIL, and JSON.stringify decides.
 */
function plainJson(v: unknown, depth: number): string | undefined | typeof BAIL {
  switch (typeof v) {
    case 'string':
      return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (v === null) return 'null';
      if (depth > MAX_DEPTH) return BAIL;
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const item = plainJson(v[i], depth + 1);
          if (item === BAIL) return BAIL;
          out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : item);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(v);
      if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        return BAIL;
      }
      let out = '{';
      let first = true;
      for (const key of Object.keys(v)) {
        const item = plainJson((v as Record<string, unknown>)[key], depth + 1);
        if (item === BAIL) return BAIL;
        if (item === undefined) continue;
        out += `${first ? '' : ','}${NEEDS_ESCAPE.test(key) ? JSON.stringify(key) : `"${key}"`}:${item}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return BAIL;
  }
}

function stringify(value: unknown): string | undefined {
  const fast = plainJson(value, 0);
  if (fast !== BAIL) return fast;
  try {
    // A replacer function takes V8 off its fast JSON path; content is almost always plain text, so try
    // without it and fall back only when the output shows binary (a typed array or a serialized Buffer).
    const plain = JSON.stringify(value);
    if (plain === undefined || (!plain.includes('{"0":') && !plain.includes('"type":"Buffer"'))) return plain;
    return JSON.stringify(value, replacer);
  } catch {
    try {
      return JSON.stringify(value, replacer);
    } catch {
      return undefined;
    }
  }
}

function capStrings(value: unknown, cap: number): unknown {
  if (typeof value === 'string') return value.length > cap ? value.slice(0, cap) + MARK : value;
  if (Array.isArray(value)) return value.map((v) => capStrings(v, cap));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = capStrings(v, cap);
    return out;
  }
  return value;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** @internal exported for the equivalence test */
export { stringify as contentJson };

export function serializeContent(value: unknown, maxBytes: number): SerializedContent {
  const json = stringify(value);
  if (json === undefined) return { json: '"[unserializable content]"', truncated: true };
  if (byteLength(json) <= maxBytes) return { json, truncated: false };

  // Parse back so that what we shorten is exactly what would have been written (replacer applied).
  let shape: unknown = JSON.parse(json);
  let cap = Math.max(MIN_STRING, Math.floor(maxBytes / 2));
  while (cap >= MIN_STRING) {
    const out = JSON.stringify(capStrings(shape, cap));
    if (byteLength(out) <= maxBytes) return { json: out, truncated: true };
    cap = Math.floor(cap / 2);
  }
  shape = capStrings(shape, MIN_STRING);
  if (Array.isArray(shape)) {
    const items = shape.slice();
    while (items.length > 0) {
      items.pop();
      const out = JSON.stringify(items);
      if (byteLength(out) <= maxBytes) return { json: out, truncated: true };
    }
    return { json: '[]', truncated: true };
  }
  return { json: '"[content over the size budget]"', truncated: true };
}
