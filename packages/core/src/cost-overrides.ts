// Price overrides, from code (the `prices` option) or a JSON file (`pricesFile`, PROMPTSCOPE_PRICES_FILE):
// validated with errors that say how to fix the entry, and compiled into the matchers PriceBook tries before
// the bundled prices.
import { readFileSync } from 'node:fs';
import { ConfigError, type PriceOverride, validatePriceOverride } from './config.js';
import type { Matched } from './cost-rates.js';
import { errorMessage } from './errors.js';

export interface CompiledOverride {
  exact?: string;
  re?: RegExp;
  provider?: string;
  matched: Matched;
}

/**
 * Reads a JSON price overrides file: `{ "prices": [ ... ] }` or a bare array of entries, each in USD per
 * million tokens. Throws a ConfigError naming the file, the entry and the field, with how to fix it.
 */
export function loadPriceOverrides(file: string): PriceOverride[] {
  const example = '{"prices": [{"match": "gpt-4o", "input_mtok": 2.5, "output_mtok": 10}]}';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `Cannot read the price overrides file ${file}: ${errorMessage(err)}. Check the path given in pricesFile or PROMPTSCOPE_PRICES_FILE.`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `The price overrides file ${file} is not valid JSON (${errorMessage(err)}). Expected for example ${example}.`,
    );
  }
  const list =
    data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>).prices : data;
  if (!Array.isArray(list)) {
    const got =
      list === data
        ? describe(data)
        : `an object whose "prices" field is ${list === undefined ? 'missing' : describe(list)}`;
    throw new ConfigError(
      `The price overrides file ${file} must hold an array of prices, or an object whose "prices" field is one; got ${got}. Expected for example ${example}.`,
    );
  }
  list.forEach((p, i) => {
    const where = `prices[${i}]`;
    try {
      validatePriceOverride(p, where);
      // A misspelt optional field (say "cache_read_per_mtok") would otherwise be ignored and silently misprice.
      for (const k of Object.keys(p)) {
        if (!OVERRIDE_FIELDS.has(k)) {
          throw new ConfigError(
            `${where} has an unknown field "${k}"; known fields are ${[...OVERRIDE_FIELDS].join(', ')}`,
          );
        }
      }
      compileMatch(p.match, where);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ConfigError(
        `Invalid price overrides file ${file}: ${err.message}. Fix or remove entry ${i}; prices are in USD per million tokens, e.g. ${example}.`,
      );
    }
  });
  return list as PriceOverride[];
}

const OVERRIDE_FIELDS = new Set([
  'match',
  'provider',
  'input_mtok',
  'output_mtok',
  'cache_read_mtok',
  'cache_write_mtok',
  'reasoning_mtok',
]);

export function compileOverride(p: PriceOverride, where: string, version: string): CompiledOverride {
  const re = compileMatch(p.match, where);
  return {
    exact: re === undefined ? p.match : undefined,
    re,
    provider: p.provider,
    matched: {
      match: `override:${p.match}`,
      source: 'override',
      version,
      rates: {
        input: p.input_mtok,
        // An override without cache rates bills cached tokens as ordinary input: the user gave no discount.
        cacheRead: p.cache_read_mtok ?? p.input_mtok,
        cacheWrite: p.cache_write_mtok ?? p.input_mtok,
        output: p.output_mtok,
        reasoning: p.reasoning_mtok ?? p.output_mtok,
        perRequestUsd: 0,
      },
    },
  };
}

/** `/source/flags` becomes a RegExp; anything else is an exact model name (undefined). */
function compileMatch(match: string, where: string): RegExp | undefined {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(match);
  if (m === null) return undefined;
  try {
    // `g` and `y` make `test` stateful through lastIndex, which would make matches alternate between calls.
    return new RegExp(m[1], m[2].replace(/[gy]/g, ''));
  } catch (err) {
    throw new ConfigError(
      `${where}.match ${JSON.stringify(match)} is not a valid regular expression: ${errorMessage(err)}`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object with fields ${Object.keys(v as object).join(', ') || '(none)'}`;
  return `a ${typeof v}`;
}
