import { describe, expect, it } from 'vitest';
import { PriceBook } from '../src/cost.js';
import { parseProviderURLs, providerOfBaseURL } from '../src/provider-url.js';

const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

describe('providerOfBaseURL', () => {
  it.each([
    ['https://api.openai.com/v1', 'openai'],
    ['https://api.groq.com/openai/v1', 'groq'],
    ['https://api.deepseek.com', 'deepseek'],
    ['https://api.x.ai/v1', 'x_ai'],
    ['https://generativelanguage.googleapis.com/v1beta/openai/', 'gcp.gemini'],
    ['https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/l/endpoints/openapi', 'gcp.vertex_ai'],
    ['https://models.inference.ai.azure.com', 'azure.ai.inference'],
    ['https://my-res.services.ai.azure.com/models', 'azure.ai.inference'],
    ['https://my-res.openai.azure.com/openai', 'azure.ai.openai'],
    ['https://openrouter.ai/api/v1', 'openrouter'],
    ['https://api.together.xyz/v1', 'together'],
    ['https://api.fireworks.ai/inference/v1', 'fireworks'],
  ])('%s is %s', (url, provider) => {
    expect(providerOfBaseURL(url, [])).toBe(provider);
  });

  it('leaves local and unknown servers unrecognised, so the caller keeps its default', () => {
    expect(providerOfBaseURL('http://localhost:11434/v1', [])).toBeUndefined();
    expect(providerOfBaseURL('http://127.0.0.1:8000/v1', [])).toBeUndefined();
    expect(providerOfBaseURL('https://llm.internal.example/v1', [])).toBeUndefined();
    expect(providerOfBaseURL(undefined, [])).toBeUndefined();
  });

  it('prefers a server the user named, longest prefix first', () => {
    const named = parseProviderURLs(
      'http://gpu-1:8000=vllm, http://gpu-1:8000/v2=vllm-v2,http://localhost:11434/=ollama',
    );
    expect(providerOfBaseURL('http://gpu-1:8000/v1', named)).toBe('vllm');
    expect(providerOfBaseURL('http://gpu-1:8000/v2/', named)).toBe('vllm-v2');
    expect(providerOfBaseURL('http://localhost:11434/v1', named)).toBe('ollama');
    // A prefix matches whole path segments only.
    expect(providerOfBaseURL('http://gpu-1:80001/v1', named)).toBeUndefined();
  });

  it('reports and skips a malformed entry instead of throwing', () => {
    const warnings: string[] = [];
    const named = parseProviderURLs('gpu-1:8000=vllm,http://ok:1=,http://ok:2=lmstudio', (m) => warnings.push(m));
    expect(named).toEqual([{ prefix: 'http://ok:2', provider: 'lmstudio' }]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('expected <base URL>=<provider name>');
  });
});

describe('pricing by the provider the URL names', () => {
  const book = new PriceBook({
    prices: [{ match: 'llama3.1:8b', provider: 'ollama', input_mtok: 0, output_mtok: 0 }],
  });

  it('prices hosted OpenAI-compatible providers from their own tables', () => {
    for (const [url, model] of [
      ['https://api.deepseek.com', 'deepseek-chat'],
      ['https://api.groq.com/openai/v1', 'llama-3.3-70b-versatile'],
      ['https://api.x.ai/v1', 'grok-3'],
    ] as const) {
      const provider = providerOfBaseURL(url, []);
      const cost = book.price(provider ?? 'openai', model, usage);
      expect(cost.priced, `${url} ${model}`).toBe(true);
      if (cost.priced) expect(cost.totalUsd).toBeGreaterThan(0);
    }
  });

  it('a named self-hosted model priced at zero is priced, not unpriced', () => {
    const named = parseProviderURLs('http://localhost:11434=ollama');
    const cost = book.price(providerOfBaseURL('http://localhost:11434/v1', named) ?? 'openai', 'llama3.1:8b', usage);
    expect(cost).toMatchObject({ priced: true, totalUsd: 0, source: 'override' });
  });

  it('the same model on an unnamed local server stays unpriced', () => {
    const cost = book.price(providerOfBaseURL('http://localhost:11434/v1', []) ?? 'openai', 'llama3.1:8b', usage);
    expect(cost).toEqual({ priced: false, reason: 'unknown_model' });
  });
});
