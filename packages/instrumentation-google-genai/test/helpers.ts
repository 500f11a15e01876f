import { bothWays as compare, type FakeProvider, type Outcome, withInstrumentation } from '@promptscope/testing';
import { calcPrice } from '@pydantic/genai-prices';
import { instrument, type ManualOptions } from '../src/index.js';

export { diagnostics, only, sleep, stable } from '@promptscope/testing';
export { useEnv } from '@promptscope/testing/vitest';

/**
 * The `@google/genai` lines in use, installed side by side as npm aliases. 3.x declares Node >= 22 in its
 * `engines`, yet loads and works on Node 20 (its code uses nothing newer), so all three run everywhere.
 */
export const MAJORS = ['genai-v1', 'genai-v2', 'genai-v3'] as const;
export type Major = (typeof MAJORS)[number];

// biome-ignore lint/suspicious/noExplicitAny: each version has its own types; tests use the shared surface
export type Any = any;

export const API_KEY = 'AIzaSy-PROMPTSCOPE-SECRET-0123456789';
export const MODEL = 'gemini-2.5-flash';

export async function loadMajor(major: string): Promise<Any> {
  return import(major);
}

export function client(mod: Any, fake: FakeProvider, opts: Record<string, unknown> = {}): Any {
  return new mod.GoogleGenAI({ apiKey: API_KEY, httpOptions: { baseUrl: fake.origin }, ...opts });
}

export function instrumented<T = Any>(mod: Any, fn: () => Promise<T>, options: ManualOptions = {}): Promise<T> {
  return withInstrumentation(() => instrument(mod, options), fn);
}

export function bothWays<T>(
  mod: Any,
  scenario: () => Promise<T>,
  options: ManualOptions = {},
): Promise<{ plain: Outcome<T>; instrumented: Outcome<T> }> {
  return compare(() => instrument(mod, options), scenario);
}

export interface Tokens {
  input: number;
  cached?: number;
  output: number;
}

/** genai-prices' own per-million rates for a Gemini model, applied here rather than by core. */
export function listPrice(model: string, t: Tokens): number {
  const price = calcPrice({}, model, { providerId: 'google' })?.model_price;
  if (price === undefined) throw new Error(`genai-prices has no google/${model}`);
  const { input_mtok, output_mtok, cache_read_mtok } = price;
  if (typeof input_mtok !== 'number' || typeof output_mtok !== 'number' || typeof cache_read_mtok !== 'number') {
    throw new Error('expected flat prices');
  }
  const cached = t.cached ?? 0;
  return ((t.input - cached) * input_mtok + cached * cache_read_mtok + t.output * output_mtok) / 1e6;
}
