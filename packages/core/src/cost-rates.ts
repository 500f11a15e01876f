// The pricing arithmetic: a price entry reduced to Rates, the variant that applies at a call's time, and the
// cost of a Usage at those rates. Bundled genai-prices entries are read into Rates here; overrides build theirs
// in cost-overrides.ts. PriceBook (cost.ts) finds the entry.
import type { ModelInfo, ModelPrice } from '@pydantic/genai-prices';
import { GENAI_PRICES_VERSION } from './cost-genai.js';
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

const BUNDLED_VERSION = `genai-prices@${GENAI_PRICES_VERSION}`;

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

export interface Matched {
  match: string;
  source: 'override' | 'bundled';
  version: string;
  /** null: the entry exists but prices no tokens (per-page OCR, per-hour audio): unknown, not free. */
  rates: Rates | null;
  /** Set when the price depends on when the call happened; `rates` is then unused. */
  variants?: Variant[];
}

const TOKEN_PRICE_KEYS = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_reasoning_mtok'];

export function matchedFromModel(model: ModelInfo, match: string): Matched {
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
export function selectVariant(variants: Variant[], nowMs: number): Rates | null {
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
export function compute(r: Rates, u: Usage, m: Matched): CostResult {
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
