import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calcPrice, type ModelPrice, waitForUpdate } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { type CostResult, loadPriceOverrides, PRICE_MEMO_MAX, PriceBook } from '../src/cost.js';
import { GENAI_PRICES_VERSION } from '../src/cost-genai.js';
import type { Usage } from '../src/usage.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (name: string) => join(fixtures, name);

// Written at run time rather than kept as a fixture: a syntactically broken .json in the tree fails the repo's lint.
const badJson = join(mkdtempSync(join(tmpdir(), 'promptscope-cost-')), 'prices-bad-json.json');
writeFileSync(badJson, '{ "prices": [ { "match": "a", "input_mtok": 1, } ] }');

/** The matched entry's plain per-million rate for `key` (fails the test if it is tiered or absent). */
function mtok(price: ModelPrice, key: string): number {
  const v = price[key];
  if (typeof v !== 'number') throw new Error(`expected a flat ${key} price, got ${JSON.stringify(v)}`);
  return v;
}

function entry(model: string, providerId: string): ModelPrice {
  const calc = calcPrice({}, model, { providerId });
  if (calc === null) throw new Error(`genai-prices has no ${providerId}/${model}`);
  return calc.model_price;
}

/** Our usage in genai-prices' convention: its input_tokens and output_tokens also include the cached and reasoning parts. */
function genaiUsage(u: Usage): Record<string, number | undefined> {
  return {
    input_tokens: u.inputTokens,
    cache_read_tokens: u.cacheReadTokens,
    cache_write_tokens: u.cacheWriteTokens,
    output_tokens: u.outputTokens,
    output_reasoning_tokens: u.reasoningTokens,
  };
}

function priced(r: CostResult) {
  if (!r.priced) throw new Error(`expected a price, got ${JSON.stringify(r)}`);
  return r;
}

const book = new PriceBook();

describe('bundled prices (genai-prices)', () => {
  it('prices a known OpenAI model exactly as the matched entry says', () => {
    const p = entry('gpt-4o', 'openai');
    const r = priced(book.price('openai', 'gpt-4o', { inputTokens: 1200, outputTokens: 300 }));
    const inputUsd = (1200 * mtok(p, 'input_mtok')) / 1e6;
    const outputUsd = (300 * mtok(p, 'output_mtok')) / 1e6;
    expect(r.inputUsd).toBeCloseTo(inputUsd, 15);
    expect(r.outputUsd).toBeCloseTo(outputUsd, 15);
    expect(r.totalUsd).toBeCloseTo(inputUsd + outputUsd, 15);
    expect(r).toMatchObject({
      match: 'genai-prices:openai/gpt-4o',
      source: 'bundled',
      version: `genai-prices@${GENAI_PRICES_VERSION}`,
    });
  });

  it('matches dated model names and names the entry that matched', () => {
    expect(priced(book.price('openai', 'gpt-4o-2024-08-06', { inputTokens: 1, outputTokens: 1 })).match).toBe(
      'genai-prices:openai/gpt-4o',
    );
  });

  it('prices cache reads at the cache-read rate, below the all-uncached cost', () => {
    const p = entry('gpt-4o', 'openai');
    const usage: Usage = { inputTokens: 1000, cacheReadTokens: 800, outputTokens: 100 };
    const r = priced(book.price('openai', 'gpt-4o', usage));
    const hand = (200 * mtok(p, 'input_mtok') + 800 * mtok(p, 'cache_read_mtok') + 100 * mtok(p, 'output_mtok')) / 1e6;
    expect(r.totalUsd).toBeCloseTo(hand, 15);
    const uncached = priced(book.price('openai', 'gpt-4o', { inputTokens: 1000, outputTokens: 100 }));
    expect(r.totalUsd).toBeLessThan(uncached.totalUsd);
  });

  it('agrees with genai-prices when usage is given in its convention (input_tokens includes cached tokens)', () => {
    const usage: Usage = { inputTokens: 1000, cacheReadTokens: 800, outputTokens: 100 };
    const theirs = calcPrice(genaiUsage(usage), 'gpt-4o', { providerId: 'openai' });
    expect(priced(book.price('openai', 'gpt-4o', usage)).totalUsd).toBeCloseTo(theirs!.total_price, 15);
    // The exclusive reading (input without the cached part) is rejected by genai-prices: proof of its convention.
    expect(() =>
      calcPrice({ input_tokens: 200, cache_read_tokens: 800, output_tokens: 100 }, 'gpt-4o', { providerId: 'openai' }),
    ).toThrow(/cannot exceed input_tokens/);
  });

  it('prices Anthropic cache writes and reads at their own rates', () => {
    const p = entry('claude-3-5-haiku-20241022', 'anthropic');
    const usage: Usage = { inputTokens: 10_000, cacheWriteTokens: 6_000, cacheReadTokens: 3_000, outputTokens: 500 };
    const r = priced(book.price('anthropic', 'claude-3-5-haiku-20241022', usage));
    const inputUsd =
      (1_000 * mtok(p, 'input_mtok') + 3_000 * mtok(p, 'cache_read_mtok') + 6_000 * mtok(p, 'cache_write_mtok')) / 1e6;
    expect(mtok(p, 'cache_write_mtok')).toBeGreaterThan(mtok(p, 'input_mtok'));
    expect(r.inputUsd).toBeCloseTo(inputUsd, 15);
    expect(r.outputUsd).toBeCloseTo((500 * mtok(p, 'output_mtok')) / 1e6, 15);
    expect(r.match).toBe('genai-prices:anthropic/claude-3-5-haiku-latest');
    expect(r.totalUsd).toBeCloseTo(
      calcPrice(genaiUsage(usage), 'claude-3-5-haiku-20241022', { providerId: 'anthropic' })!.total_price,
      15,
    );
  });

  it('bills a whole long-context request at the tier its input crosses', () => {
    const usage: Usage = { inputTokens: 300_000, cacheReadTokens: 100_000, outputTokens: 1_000 };
    const small = priced(book.price('anthropic', 'claude-sonnet-4-5', { inputTokens: 1_000, outputTokens: 1_000 }));
    const big = priced(book.price('anthropic', 'claude-sonnet-4-5', usage));
    expect(big.outputUsd).toBeGreaterThan(small.outputUsd);
    expect(big.totalUsd).toBeCloseTo(
      calcPrice(genaiUsage(usage), 'claude-sonnet-4-5', { providerId: 'anthropic' })!.total_price,
      12,
    );
  });

  it('counts reasoning tokens as output, at the output rate when the entry has no reasoning rate', () => {
    const p = entry('o3', 'openai');
    const withReasoning = priced(
      book.price('openai', 'o3', { inputTokens: 100, outputTokens: 1000, reasoningTokens: 800 }),
    );
    expect(withReasoning.outputUsd).toBeCloseTo((1000 * mtok(p, 'output_mtok')) / 1e6, 15);
  });

  it('uses a reasoning rate when the bundled entry has one', () => {
    const p = entry('sonar-deep-research', 'perplexity');
    const usage: Usage = { inputTokens: 100, outputTokens: 1000, reasoningTokens: 800 };
    const r = priced(book.price('perplexity', 'sonar-deep-research', usage));
    expect(r.outputUsd).toBeCloseTo((200 * mtok(p, 'output_mtok') + 800 * mtok(p, 'output_reasoning_mtok')) / 1e6, 15);
    expect(r.totalUsd).toBeCloseTo(
      calcPrice(genaiUsage(usage), 'sonar-deep-research', { providerId: 'perplexity' })!.total_price,
      15,
    );
  });

  it('picks time-of-day prices for the time of the call', () => {
    const usage: Usage = { inputTokens: 10_000, outputTokens: 1_000 };
    const day = new Date('2025-06-01T02:00:00Z');
    const night = new Date('2025-06-01T20:00:00Z');
    const a = priced(book.price('deepseek', 'deepseek-chat', usage, day));
    const b = priced(book.price('deepseek', 'deepseek-chat', usage, night));
    expect(a.totalUsd).not.toBeCloseTo(b.totalUsd, 12);
    for (const [r, at] of [
      [a, day],
      [b, night],
    ] as const) {
      const theirs = calcPrice(genaiUsage(usage), 'deepseek-chat', { providerId: 'deepseek', timestamp: at });
      expect(r.totalUsd).toBeCloseTo(theirs!.total_price, 15);
    }
  });

  it('maps provider names to genai-prices providers (Azure OpenAI, Bedrock, Vertex)', () => {
    const u: Usage = { inputTokens: 1000, outputTokens: 100 };
    expect(priced(book.price('azure.ai.openai', 'gpt-4o', u)).match).toBe('genai-prices:azure/gpt-4o');
    expect(priced(book.price('aws.bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', u)).match).toMatch(
      /^genai-prices:aws\//,
    );
    expect(priced(book.price('gcp.vertex_ai', 'gemini-2.5-pro', u)).match).toBe('genai-prices:google/gemini-2.5-pro');
    expect(priced(book.price('gcp.gemini', 'gemini-2.5-pro', u)).match).toBe('genai-prices:google/gemini-2.5-pro');
  });

  it('agrees with genai-prices on every bundled token-priced model', async () => {
    const providers = (await waitForUpdate()) ?? [];
    const usage: Usage = {
      inputTokens: 250_000,
      cacheReadTokens: 1_000,
      cacheWriteTokens: 500,
      outputTokens: 2_000,
      reasoningTokens: 300,
    };
    const at = new Date('2025-09-01T12:00:00Z');
    let compared = 0;
    for (const provider of providers) {
      for (const model of provider.models) {
        const theirs = calcPrice(genaiUsage(usage), model.id, { providerId: provider.id, timestamp: at });
        const ours = book.price(provider.id, model.id, usage, at);
        if (theirs === null) {
          expect(ours).toEqual({ priced: false, reason: 'unknown_model' });
          continue;
        }
        if (!ours.priced) {
          // Only entries that price no tokens (OCR pages, audio hours) are left unpriced.
          expect(['input_mtok', 'output_mtok'].some((k) => theirs.model_price[k] !== undefined)).toBe(false);
          continue;
        }
        expect(ours.match).toBe(`genai-prices:${theirs.provider.id}/${theirs.model.id}`);
        expect(ours.inputUsd, `${provider.id}/${model.id} input`).toBeCloseTo(theirs.input_price, 10);
        expect(ours.outputUsd, `${provider.id}/${model.id} output`).toBeCloseTo(theirs.output_price, 10);
        expect(ours.totalUsd, `${provider.id}/${model.id} total`).toBeCloseTo(theirs.total_price, 10);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('reports the installed genai-prices version as the data version', () => {
    const main = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
    expect(GENAI_PRICES_VERSION).toBe(pkg.version);
  });
});

describe('overrides', () => {
  it('an exact-name override wins over bundled data', () => {
    const b = new PriceBook({ prices: [{ match: 'gpt-4o', input_mtok: 1, output_mtok: 2 }] });
    const r = priced(b.price('openai', 'gpt-4o', { inputTokens: 1_000_000, outputTokens: 1_000_000 }));
    expect(r).toEqual({
      priced: true,
      totalUsd: 3,
      inputUsd: 1,
      outputUsd: 2,
      match: 'override:gpt-4o',
      source: 'override',
      version: 'override:code',
    });
    // Exact means exact: a dated name still falls through to the bundled entry.
    expect(priced(b.price('openai', 'gpt-4o-2024-08-06', { inputTokens: 1, outputTokens: 1 })).source).toBe('bundled');
  });

  it('a regex override from a file wins over bundled data; code overrides win over the file', () => {
    const file = fx('prices-valid.json');
    const b = new PriceBook({ pricesFile: file, prices: [{ match: 'gpt-4o', input_mtok: 5, output_mtok: 5 }] });
    const ft = priced(
      b.price('openai', 'ft:GPT-4o-mini:MyCorp::abc123', {
        inputTokens: 1_000_000,
        cacheReadTokens: 500_000,
        outputTokens: 0,
      }),
    );
    expect(ft).toMatchObject({
      source: 'override',
      match: 'override:/^ft:gpt-4o-mini:mycorp/i',
      version: `override:${file}`,
    });
    expect(ft.inputUsd).toBeCloseTo(0.5 * 3 + 0.5 * 1.5, 12);
    expect(priced(b.price('openai', 'gpt-4o', { inputTokens: 1_000_000 })).totalUsd).toBe(5);
  });

  it('a provider-restricted override applies to that provider only', () => {
    const b = new PriceBook({ pricesFile: fx('prices-bare-array.json') });
    expect(priced(b.price('openai', 'my-model', { inputTokens: 1_000_000, outputTokens: 0 })).totalUsd).toBe(4);
    expect(b.price('anthropic', 'my-model', { inputTokens: 1_000_000, outputTokens: 0 })).toEqual({
      priced: false,
      reason: 'unknown_model',
    });
  });

  it('an override without cache rates bills cached input at the input rate, and uses its reasoning rate', () => {
    const b = new PriceBook({ prices: [{ match: '/^mine-/', input_mtok: 2, output_mtok: 10, reasoning_mtok: 4 }] });
    const r = priced(
      b.price('x', 'mine-1', {
        inputTokens: 1_000_000,
        cacheReadTokens: 600_000,
        outputTokens: 1_000_000,
        reasoningTokens: 250_000,
      }),
    );
    expect(r.inputUsd).toBeCloseTo(2, 12);
    expect(r.outputUsd).toBeCloseTo(0.75 * 10 + 0.25 * 4, 12);
  });

  it('a regex with the g flag matches on every call (no lastIndex state)', () => {
    const b = new PriceBook({ prices: [{ match: '/^mine/g', input_mtok: 1, output_mtok: 1 }] });
    for (let i = 0; i < 3; i++) expect(b.price('x', `mine-${i % 2}`, { inputTokens: 1 }).priced).toBe(true);
  });

  it('rejects an invalid override given in code', () => {
    expect(() => new PriceBook({ prices: [{ match: '/(/', input_mtok: 1, output_mtok: 1 }] })).toThrow(ConfigError);
    expect(() => new PriceBook({ prices: [{ match: 'a', input_mtok: -1, output_mtok: 1 }] })).toThrow(
      /prices\[0\]\.input_mtok/,
    );
  });
});

describe('unpriced', () => {
  it('an unknown or missing model is unpriced, never 0', () => {
    const u: Usage = { inputTokens: 1000, outputTokens: 100 };
    expect(book.price('openai', 'my-finetune-that-does-not-exist', u)).toEqual({
      priced: false,
      reason: 'unknown_model',
    });
    expect(book.price('openai', undefined, u)).toEqual({ priced: false, reason: 'unknown_model' });
    expect(book.price('openai', 'llama3', u)).toEqual({ priced: false, reason: 'unknown_model' });
    expect(book.price('ibm.watsonx.ai', 'gpt-4o', u)).toEqual({ priced: false, reason: 'unknown_model' });
    expect(book.price('constructor', 'gpt-4o', u)).toEqual({ priced: false, reason: 'unknown_model' });
  });

  it('no usage at all is unpriced with reason no_usage', () => {
    expect(book.price('openai', 'gpt-4o', {})).toEqual({ priced: false, reason: 'no_usage' });
    expect(book.price('openai', 'gpt-4o', { cacheReadTokens: 5 })).toEqual({ priced: false, reason: 'no_usage' });
  });

  it('usage with only one side is priced', () => {
    expect(priced(book.price('openai', 'gpt-4o', { outputTokens: 10 })).inputUsd).toBe(0);
  });
});

describe('loadPriceOverrides', () => {
  it('reads both the {prices: [...]} and the bare array forms', () => {
    expect(loadPriceOverrides(fx('prices-valid.json'))).toHaveLength(2);
    expect(loadPriceOverrides(fx('prices-bare-array.json'))[0]).toMatchObject({
      match: 'my-model',
      provider: 'openai',
    });
  });

  const bad: [string, RegExp][] = [
    ['prices-bad-field.json', /prices\[1\]\.input_mtok must be a non-negative number.*Fix or remove entry 1/],
    ['prices-unknown-field.json', /prices\[0\] has an unknown field "cache_read_per_mtok"/],
    ['prices-bad-regex.json', /prices\[0\]\.match "\/gpt-\(4o\/" is not a valid regular expression/],
    [badJson, /is not valid JSON/],
    ['prices-not-array.json', /"prices" field is missing/],
    ['prices-does-not-exist.json', /Cannot read the price overrides file/],
  ];
  for (const [name, message] of bad) {
    it(`throws a ConfigError naming the file and the problem: ${basename(name)}`, () => {
      const file = name === badJson ? badJson : fx(name);
      let err: unknown;
      try {
        loadPriceOverrides(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('the PriceBook constructor throws the same ConfigError for a malformed pricesFile', () => {
    expect(() => new PriceBook({ pricesFile: fx('prices-bad-field.json') })).toThrow(ConfigError);
  });
});

describe('memo', () => {
  it('stays bounded whatever model names it sees, and keeps answering correctly', () => {
    const b = new PriceBook();
    const u: Usage = { inputTokens: 1000, outputTokens: 100 };
    const first = priced(b.price('openai', 'gpt-4o', u));
    for (let i = 0; i < PRICE_MEMO_MAX * 4; i++) {
      expect(b.price(`p${i % 7}`, `random-model-${i}`, u).priced).toBe(false);
      expect(b.memoSize).toBeLessThanOrEqual(PRICE_MEMO_MAX);
    }
    expect(b.memoSize).toBe(PRICE_MEMO_MAX);
    expect(b.price('openai', 'gpt-4o', u)).toEqual(first);
  });

  it('a hit returns the same price as the miss that filled it', () => {
    const b = new PriceBook();
    const u: Usage = { inputTokens: 1234, cacheReadTokens: 234, outputTokens: 56 };
    expect(b.price('anthropic', 'claude-sonnet-4-5', u)).toEqual(b.price('anthropic', 'claude-sonnet-4-5', u));
  });
});
