import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Env } from '@promptscope/testing';
import { calcPrice } from '@pydantic/genai-prices';

// The AI SDK's console warnings (unknown model ids, compatibility modes) are noise in test output.
(globalThis as { AI_SDK_LOG_WARNINGS?: false }).AI_SDK_LOG_WARNINGS = false;

export const OPENAI_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_MODEL = 'claude-3-5-haiku-20241022';
export const EMBEDDING_MODEL = 'text-embedding-3-small';
export const OPENAI_KEY = 'sk-test-ai-sdk-secret';
export const ANTHROPIC_KEY = 'sk-ant-test-ai-sdk-secret';

export const openai = (env: Env) => createOpenAI({ baseURL: env.fake.url, apiKey: OPENAI_KEY });
export const anthropic = (env: Env) => createAnthropic({ baseURL: `${env.fake.origin}/v1`, apiKey: ANTHROPIC_KEY });

/** genai-prices' own per-million rates, applied here rather than by core. */
export function listPrice(providerId: string, model: string, input: number, output: number): number {
  const price = calcPrice({}, model, { providerId })?.model_price;
  if (price === undefined) throw new Error(`genai-prices has no ${providerId}/${model}`);
  const { input_mtok, output_mtok } = price;
  if (typeof input_mtok !== 'number') throw new Error('expected flat prices');
  return (input * input_mtok + (typeof output_mtok === 'number' ? output * output_mtok : 0)) / 1e6;
}

/** The same with cache reads and writes, each at genai-prices' own rate for them. */
export function listPriceCached(
  providerId: string,
  model: string,
  u: { input: number; cacheRead: number; cacheWrite: number; output: number },
): number {
  const price = calcPrice({}, model, { providerId })?.model_price;
  if (price === undefined) throw new Error(`genai-prices has no ${providerId}/${model}`);
  const { input_mtok, output_mtok, cache_read_mtok, cache_write_mtok } = price;
  for (const v of [input_mtok, output_mtok, cache_read_mtok, cache_write_mtok]) {
    if (typeof v !== 'number') throw new Error('expected flat prices with cache rates');
  }
  const n = (v: unknown) => v as number;
  return (
    (u.input * n(input_mtok) +
      u.cacheRead * n(cache_read_mtok) +
      u.cacheWrite * n(cache_write_mtok) +
      u.output * n(output_mtok)) /
    1e6
  );
}

/**
 * The model-call spans: CLIENT spans with no CLIENT span under them (`embed`'s operation span is a CLIENT
 * `embeddings …` span too, around its model call's).
 */
export function modelSpans(spans: ReadableSpan[]): ReadableSpan[] {
  const client = spans.filter((s) => s.kind === SpanKind.CLIENT);
  const parents = new Set(client.map((s) => s.parentSpanContext?.spanId));
  return client.filter((s) => !parents.has(s.spanContext().spanId));
}
