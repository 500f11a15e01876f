import { readFileSync } from 'node:fs';
import type { ModelInfo, ModelPrice } from '@pydantic/genai-prices';
import { ConfigError, type PriceOverride, validatePriceOverride } from './config.js';
import { GENAI_PRICES_VERSION, genaiPrices, genaiProviderIds } from './cost-genai.js';
import { errorMessage } from './errors.js';
import type { Usage } from './usage.js';

export type CostResult =
  | {
      priced: true;
      totalUsd: number;
      inputUsd: number;
      outputUsd: number;
      /** Which price entry matched: `genai-prices:<provider id>/<model id>` or `override:<match>`. */
      match: string;
      source: 'override' | 'bundled';
      /** `genai-prices@<version>` or `override:<file path | code>`, so a stored cost can be explained and repriced. */
      version: string;
    }
  | { priced: false; reason: 'unknown_model' | 'no_usage' };

/** Upper bound of remembered (provider, model) matches: model names come from callers and are unbounded. */
export const PRICE_MEMO_MAX = 512;

const BUNDLED_VERSION = `genai-prices@${GENAI_PRICES_VERSION}`;

// Shared and frozen: unpriced answers are frequent for self-hosted models and need no allocation.
const UNKNOWN_MODEL: CostResult = Object.freeze({ priced: false, reason: 'unknown_model' });
const NO_USAGE: CostResult = Object.freeze({ priced: false, reason: 'no_usage' });

/** USD per million tokens; a tier table when the rate depends on the request's input size. */
type Rate = number | TierTable | undefined;
interface TierTable {
  base: number;
  tiers: readonly { start: number; price: number }[];
}

/**
 * One price entry reduced to what `Usage` can be priced with. Cache and reasoning rates are already
 * defaulted to the input and output rates, so the arithmetic has a single path for every source.
 */
interface Rates {
  input: Rate;
  cacheRead: Rate;
  cacheWrite: Rate;
  output: Rate;
  reasoning: Rate;
  /** A flat fee per call (genai-prices `requests_kcount`): counted in the total, in neither direction. */
  perRequestUsd: number;
}

/** A price valid from a date or during a daily UTC window (genai-prices `ConditionalPrice`). */
interface Variant {
  startMs?: number;
  fromSec?: number;
  toSec?: number;
  rates: Rates | null;
}

interface Matched {
  match: string;
  source: 'override' | 'bundled';
  version: string;
  /** null: the entry exists but prices no tokens (per-page OCR, per-hour audio): unknown, not free. */
  rates: Rates | null;
  /** Set when the price depends on when the call happened; `rates` is then unused. */
  variants?: Variant[];
}

/** `undefined` remembers a miss, so an unknown model is not searched for again on every call. */
type MemoEntry = Matched | undefined;

interface CompiledOverride {
  exact?: string;
  re?: RegExp;
  provider?: string;
  matched: Matched;
}

export class PriceBook {
  private readonly overrides: CompiledOverride[];
  private readonly warn: (msg: string) => void;
  // Nested maps so that a hit needs no key string to be built.
  private readonly memo = new Map<string, Map<string, MemoEntry>>();
  // FIFO of inserted keys: eviction is O(1) and needs no bookkeeping on hits.
  private readonly order: ({ provider: string; model: string } | undefined)[] = new Array(PRICE_MEMO_MAX);
  private next = 0;
  private size = 0;

  constructor(opts: { prices?: PriceOverride[]; pricesFile?: string; warn?: (msg: string) => void } = {}) {
    this.warn = opts.warn ?? defaultWarn;
    const code = opts.prices ?? [];
    if (!Array.isArray(code)) throw new ConfigError('promptscope option `prices` must be an array of price overrides');
    this.overrides = code.map((p, i) => {
      validatePriceOverride(p, `prices[${i}]`);
      return compileOverride(p, `prices[${i}]`, 'override:code');
    });
    if (opts.pricesFile !== undefined) {
      const file = opts.pricesFile;
      const fromFile = loadPriceOverrides(file);
      for (let i = 0; i < fromFile.length; i++) {
        this.overrides.push(compileOverride(fromFile[i], `${file}: prices[${i}]`, `override:${file}`));
      }
    }
  }

  /** Remembered (provider, model) matches; never more than `PRICE_MEMO_MAX`. */
  get memoSize(): number {
    return this.size;
  }

  /**
   * Cost of one completion. `at` selects date- or time-of-day-dependent bundled prices (default: now);
   * pass the span's end time when repricing old spans.
   */
  /**
   * Loads the bundled price data now. It is otherwise loaded on the first lookup, inside the first
   * call's span end; instrumentation calls this at startup so no caller waits for it.
   */
  preload(): void {
    genaiPrices();
  }

  price(provider: string, model: string | undefined, usage: Usage, at?: Date | number): CostResult {
    // Usage is checked first: without it nothing can be priced, and the lookup would be wasted.
    if (usage.inputTokens === undefined && usage.outputTokens === undefined) return NO_USAGE;
    if (model === undefined || model === '') return UNKNOWN_MODEL;
    const m = this.lookup(provider, model);
    if (m === undefined) return UNKNOWN_MODEL;
    let rates = m.rates;
    if (m.variants !== undefined) {
      rates = selectVariant(m.variants, at === undefined ? Date.now() : typeof at === 'number' ? at : at.getTime());
    }
    if (rates === null) return UNKNOWN_MODEL;
    return compute(rates, usage, m);
  }

  private lookup(provider: string, model: string): MemoEntry {
    const inner = this.memo.get(provider);
    if (inner !== undefined) {
      const hit = inner.get(model);
      if (hit !== undefined || inner.has(model)) return hit;
    }
    const found = this.resolve(provider, model);
    this.remember(provider, model, found);
    return found;
  }

  private remember(provider: string, model: string, entry: MemoEntry): void {
    const evicted = this.order[this.next];
    if (evicted !== undefined) {
      const m = this.memo.get(evicted.provider);
      if (m?.delete(evicted.model)) {
        this.size--;
        // Provider names are caller input too: drop emptied maps so they cannot accumulate either.
        if (m.size === 0) this.memo.delete(evicted.provider);
      }
    }
    this.order[this.next] = { provider, model };
    this.next = (this.next + 1) % PRICE_MEMO_MAX;
    let inner = this.memo.get(provider);
    if (inner === undefined) {
      inner = new Map();
      this.memo.set(provider, inner);
    }
    inner.set(model, entry);
    this.size++;
  }

  private resolve(provider: string, model: string): MemoEntry {
    for (const o of this.overrides) {
      if (o.provider !== undefined && o.provider !== provider) continue;
      if (o.exact !== undefined ? o.exact === model : o.re!.test(model)) return o.matched;
    }
    return this.resolveBundled(provider, model);
  }

  private resolveBundled(provider: string, model: string): MemoEntry {
    const ids = genaiProviderIds(provider);
    if (ids.length === 0) return undefined;
    const gp = genaiPrices();
    for (const providerId of ids) {
      let calc: ReturnType<typeof gp.calcPrice>;
      try {
        // Empty usage: only the match is wanted here; the arithmetic is ours (see `compute`), so a hit costs
        // no genai-prices work. The whole model entry is kept, not the price it picked, because that
        // price can depend on the call's time.
        calc = gp.calcPrice({}, model, { providerId });
      } catch (err) {
        this.warn(
          `promptscope: genai-prices failed to look up ${providerId}/${model} (${err instanceof Error ? err.message : String(err)}); its cost is recorded as unpriced.`,
        );
        return undefined;
      }
      if (calc !== null) return matchedFromModel(calc.model, `genai-prices:${calc.provider.id}/${calc.model.id}`);
    }
    return undefined;
  }
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

function compileOverride(p: PriceOverride, where: string, version: string): CompiledOverride {
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

const TOKEN_PRICE_KEYS = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_reasoning_mtok'];

function matchedFromModel(model: ModelInfo, match: string): Matched {
  if (!Array.isArray(model.prices)) {
    return { match, source: 'bundled', version: BUNDLED_VERSION, rates: ratesFromPrice(model.prices) };
  }
  const variants: Variant[] = [];
  for (const c of model.prices) {
    const k = c.constraint as Record<string, unknown> | undefined;
    const rates = ratesFromPrice(c.prices);
    if (k === undefined) variants.push({ rates });
    else if (typeof k.start_date === 'string') variants.push({ startMs: Date.parse(k.start_date), rates });
    else if (typeof k.start_time === 'string' && typeof k.end_time === 'string') {
      const fromSec = secondsOfDay(k.start_time);
      const toSec = secondsOfDay(k.end_time);
      // A constraint we cannot read never applies, rather than applying always.
      if (fromSec !== undefined && toSec !== undefined) variants.push({ fromSec, toSec, rates });
    }
  }
  if (variants.length === 0) return { match, source: 'bundled', version: BUNDLED_VERSION, rates: null };
  return { match, source: 'bundled', version: BUNDLED_VERSION, rates: null, variants };
}

/**
 * genai-prices' own reading of a price entry, in our arithmetic. Its usage keys form a hierarchy: a
 * cache count is a part of `input_tokens` and is taken out of it only when the entry prices it, so a
 * missing cache rate means cached tokens are billed at the input rate; likewise reasoning and output.
 */
function ratesFromPrice(p: ModelPrice): Rates | null {
  const tokenPriced = TOKEN_PRICE_KEYS.some((k) => p[k] !== undefined);
  // `{}` is how the data marks free models (`:free` variants): priced, at zero. An entry with other keys
  // only (OCR pages, audio hours) cannot price tokens, and zero would be a lie.
  if (!tokenPriced && Object.keys(p).length > 0) return null;
  const input = rate(p.input_mtok);
  const output = rate(p.output_mtok);
  const requests = p.requests_kcount;
  return {
    input,
    cacheRead: rate(p.cache_read_mtok) ?? input,
    // Our usage has no 5 min / 1 h split of cache writes, so writes use the base (5 min) write rate.
    cacheWrite: rate(p.cache_write_mtok) ?? input,
    output,
    reasoning: rate(p.output_reasoning_mtok) ?? output,
    perRequestUsd: typeof requests === 'number' ? requests / 1000 : 0,
  };
}

function rate(v: ModelPrice[string]): Rate {
  if (v === undefined || typeof v === 'number') return v;
  return { base: v.base, tiers: v.tiers };
}

/** The rate applying to a request of `inputTokens` total input: genai-prices bills the whole request at the tier crossed. */
function rateAt(r: Rate, inputTokens: number): number {
  if (r === undefined) return 0;
  if (typeof r === 'number') return r;
  let price = r.base;
  let best = -1;
  for (const t of r.tiers) {
    if (inputTokens > t.start && t.start > best) {
      best = t.start;
      price = t.price;
    }
  }
  return price;
}

/** Same selection as genai-prices: the last variant whose constraint holds, else the first. */
function selectVariant(variants: Variant[], nowMs: number): Rates | null {
  const sec = (((nowMs % 86_400_000) + 86_400_000) % 86_400_000) / 1000;
  for (let i = variants.length - 1; i >= 0; i--) {
    const v = variants[i];
    if (v.startMs !== undefined) {
      if (nowMs >= v.startMs) return v.rates;
    } else if (v.fromSec !== undefined && v.toSec !== undefined) {
      const inWindow = v.toSec < v.fromSec ? sec >= v.fromSec || sec < v.toSec : sec >= v.fromSec && sec < v.toSec;
      if (inWindow) return v.rates;
    } else {
      return v.rates;
    }
  }
  return variants[0].rates;
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` as seconds after UTC midnight. */
function secondsOfDay(s: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (m === null) return undefined;
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? ''}`);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60);
  return (local - offset + 86_400) % 86_400;
}

function count(n: number | undefined): number {
  // NaN and negatives come only from a provider mapping bug; they must not produce a negative cost.
  return n !== undefined && n > 0 && Number.isFinite(n) ? n : 0;
}

/**
 * The conventions' partition: input includes cache reads and writes, output includes reasoning. Parts are
 * clamped to their totals so that inconsistent counts never bill more tokens than the call reported.
 */
function compute(r: Rates, u: Usage, m: Matched): CostResult {
  const input = count(u.inputTokens);
  const output = count(u.outputTokens);
  const cacheRead = Math.min(count(u.cacheReadTokens), input);
  const cacheWrite = Math.min(count(u.cacheWriteTokens), input - cacheRead);
  const reasoning = Math.min(count(u.reasoningTokens), output);
  const inputUsd =
    ((input - cacheRead - cacheWrite) * rateAt(r.input, input) +
      cacheRead * rateAt(r.cacheRead, input) +
      cacheWrite * rateAt(r.cacheWrite, input)) /
    1e6;
  const outputUsd = ((output - reasoning) * rateAt(r.output, input) + reasoning * rateAt(r.reasoning, input)) / 1e6;
  return {
    priced: true,
    totalUsd: inputUsd + outputUsd + r.perRequestUsd,
    inputUsd,
    outputUsd,
    match: m.match,
    source: m.source,
    version: m.version,
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object with fields ${Object.keys(v as object).join(', ') || '(none)'}`;
  return `a ${typeof v}`;
}

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'PROMPTSCOPE_COST' });
}
