import { genaiPrices } from './cost-genai.js';

/**
 * `gen_ai.provider.name` of an OpenAI-compatible server, from the client's `baseURL`. The `openai` SDK is
 * pointed at many servers (Groq, DeepSeek, OpenRouter, xAI, Gemini's OpenAI endpoint, Ollama, vLLM...), and
 * calling them all `openai` would price a Llama model at no price (unpriced) or a DeepSeek model at the
 * wrong one. Order: servers the user named (`PROMPTSCOPE_PROVIDER_URLS`), then the semantic-convention
 * names we know, then genai-prices' own provider URL patterns (its id becomes the provider name, which the
 * PriceBook resolves back to the same table). `undefined` means "not recognised": the caller keeps its own
 * default, so a self-hosted server stays unpriced until the user names and prices it.
 */

/** Hosts whose semantic-convention name differs from, or is finer than, genai-prices' provider id. */
const KNOWN: readonly (readonly [RegExp, string])[] = [
  [/^https?:\/\/api\.openai\.com(?:[/:]|$)/, 'openai'],
  [/^https?:\/\/generativelanguage\.googleapis\.com(?:[/:]|$)/, 'gcp.gemini'],
  [/^https?:\/\/[a-z0-9-]*-?aiplatform\.googleapis\.com(?:[/:]|$)/, 'gcp.vertex_ai'],
  [/^https?:\/\/[^/]*\.(?:openai\.azure\.com|cognitiveservices\.azure\.com)(?:[/:]|$)/, 'azure.ai.openai'],
  [/^https?:\/\/(?:[^/]*\.services\.ai\.azure\.com|models\.inference\.ai\.azure\.com)(?:[/:]|$)/, 'azure.ai.inference'],
  [/^https?:\/\/api\.x\.ai(?:[/:]|$)/, 'x_ai'],
  [/^https?:\/\/api\.groq\.com(?:[/:]|$)/, 'groq'],
  [/^https?:\/\/api\.deepseek\.com(?:[/:]|$)/, 'deepseek'],
  [/^https?:\/\/api\.mistral\.ai(?:[/:]|$)/, 'mistral_ai'],
  [/^https?:\/\/api\.perplexity\.ai(?:[/:]|$)/, 'perplexity'],
];

export interface NamedServer {
  /** A URL prefix, compared with the client's `baseURL` after trailing slashes are removed from both. */
  prefix: string;
  provider: string;
}

/**
 * Parses `url=name,url=name` (the `PROMPTSCOPE_PROVIDER_URLS` format). A malformed entry is reported and
 * skipped: instrumentation never throws into the app over its configuration.
 */
export function parseProviderURLs(text: string | undefined, warn: (m: string) => void = console.warn): NamedServer[] {
  if (text === undefined || text.trim() === '') return [];
  const out: NamedServer[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.lastIndexOf('=');
    const prefix = eq > 0 ? trimSlash(entry.slice(0, eq).trim()) : '';
    const provider = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!/^https?:\/\/[^/]+/.test(prefix) || provider === '') {
      warn(
        `promptscope: ignoring PROMPTSCOPE_PROVIDER_URLS entry "${entry}": expected <base URL>=<provider name>, e.g. http://gpu-1:8000/v1=vllm`,
      );
      continue;
    }
    out.push({ prefix, provider });
  }
  // Longest prefix first, so a specific path wins over the bare host.
  return out.sort((a, b) => b.prefix.length - a.prefix.length);
}

let fromEnv: NamedServer[] | undefined;

function envServers(): NamedServer[] {
  fromEnv ??= parseProviderURLs(process.env.PROMPTSCOPE_PROVIDER_URLS);
  return fromEnv;
}

export function providerOfBaseURL(baseURL: unknown, named: readonly NamedServer[] = envServers()): string | undefined {
  if (typeof baseURL !== 'string' || baseURL === '') return undefined;
  const url = trimSlash(baseURL);
  for (const n of named) {
    if (url === n.prefix || url.startsWith(`${n.prefix}/`)) return n.provider;
  }
  const lower = url.toLowerCase();
  for (const [re, name] of KNOWN) if (re.test(lower)) return name;
  // Only hosts outside the table above reach genai-prices, so the common OpenAI case never loads its data.
  if (/^https?:\/\/(?:localhost|127\.|\[::1\])/.test(lower)) return undefined;
  try {
    return genaiPrices().findProvider({ providerApiUrl: url })?.id;
  } catch {
    return undefined;
  }
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}
