import { ConfigError, type PriceOverride, validatePriceOverride } from './config.js';
import { genaiPrices, genaiProviderIds } from './cost-genai.js';
import { type CompiledOverride, compileOverride, loadPriceOverrides } from './cost-overrides.js';
import { type CostResult, compute, type Matched, matchedFromModel, selectVariant } from './cost-rates.js';
import type { Usage } from './usage.js';

// The overrides file loader and the result type are part of the provider API, which imports them from here.
export { loadPriceOverrides } from './cost-overrides.js';
export type { CostResult } from './cost-rates.js';

/** Upper bound of remembered (provider, model) matches: model names come from callers and are unbounded. */
export const PRICE_MEMO_MAX = 512;

// Shared and frozen: unpriced answers are frequent for self-hosted models and need no allocation.
const UNKNOWN_MODEL: CostResult = Object.freeze({ priced: false, reason: 'unknown_model' });
const NO_USAGE: CostResult = Object.freeze({ priced: false, reason: 'no_usage' });

/** `undefined` remembers a miss, so an unknown model is not searched for again on every call. */
type MemoEntry = Matched | undefined;

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
   * Loads the bundled price data now. It is otherwise loaded on the first lookup, inside the first
   * call's span end; instrumentation calls this at startup so no caller waits for it.
   */
  preload(): void {
    genaiPrices();
  }

  /**
   * Cost of one completion. `at` selects date- or time-of-day-dependent bundled prices (default: now);
   * pass the span's end time when repricing old spans.
   */
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

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'PROMPTSCOPE_COST' });
}
