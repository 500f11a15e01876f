import { createRequire } from 'node:module';
import type * as GenaiPrices from '@pydantic/genai-prices';

/**
 * Must equal the exact version pinned in package.json: the bundle carries no data date of its own, so the
 * package version is the only honest name for the price snapshot (a test compares it to the installed one).
 */
export const GENAI_PRICES_VERSION = '0.1.8';

let loaded: typeof GenaiPrices | undefined;

/**
 * The package evaluates ~0.8 MB of price literals when imported, so it is loaded on the first bundled lookup
 * rather than at import: apps that never price a completion, or only use overrides, never pay for it.
 * `require` keeps `PriceBook.price` synchronous (span end cannot await). A bundler rewrites a bare
 * `require`, so we always build one: from `__filename` in the CommonJS build, from `import.meta.url` in ESM.
 */
export function genaiPrices(): typeof GenaiPrices {
  if (loaded === undefined) {
    const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    loaded = req('@pydantic/genai-prices') as typeof GenaiPrices;
  }
  return loaded;
}

/**
 * `gen_ai.provider.name` values to genai-prices provider ids, tried in order. Names not listed are passed
 * through: genai-prices matches them against its own ids and `provider_match` rules (e.g. `openrouter`,
 * `together_ai`, `fireworks`). An empty list means "no bundled prices for this provider".
 */
export const PROVIDER_IDS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries({
    openai: ['openai'],
    // Azure's table already falls back to OpenAI's models (billed at OpenAI's list price); naming openai
    // again keeps Azure deployments priced should a data update drop that fallback.
    'azure.ai.openai': ['azure', 'openai'],
    'azure.ai.inference': ['azure'],
    anthropic: ['anthropic'],
    'aws.bedrock': ['aws'],
    'gcp.gemini': ['google'],
    'gcp.vertex_ai': ['google'],
    'gcp.gen_ai': ['google'],
    cohere: ['cohere'],
    deepseek: ['deepseek'],
    groq: ['groq'],
    mistral_ai: ['mistral'],
    perplexity: ['perplexity'],
    x_ai: ['x-ai'],
    // genai-prices has no watsonx table: listed so that the gap is a known decision, not left to fuzzy matching.
    'ibm.watsonx.ai': [],
  }),
);

export function genaiProviderIds(provider: string): readonly string[] {
  // A Map, not an object literal: provider names come from callers, and `constructor` must not resolve.
  const ids = PROVIDER_IDS.get(provider);
  if (ids !== undefined) return ids;
  return provider === '' ? [] : [provider];
}
