import { bothWays as compare, type FakeProvider, type Outcome, withInstrumentation } from '@promptscope/testing';
import { calcPrice } from '@pydantic/genai-prices';
import { instrument, type ManualOptions } from '../src/index.js';

export { diagnostics, only, sleep, stable } from '@promptscope/testing';
export { useEnv } from '@promptscope/testing/vitest';

/** The `@anthropic-ai/sdk` lines in use, installed side by side as npm aliases: the pre-0.40 core, the
 * rewritten core, the last 0.x (which traces itself) and 1.x. */
export const MAJORS = ['anthropic-v0-39', 'anthropic-v0-71', 'anthropic-v0-137', 'anthropic-v1'] as const;
export type Major = (typeof MAJORS)[number];

// biome-ignore lint/suspicious/noExplicitAny: each version has its own types; tests use the shared surface
export type Any = any;

export const API_KEY = 'sk-ant-test-PROMPTSCOPE-SECRET-0123456789';

export async function loadMajor(major: Major): Promise<Any> {
  return import(major);
}

export function client(mod: Any, fake: FakeProvider, opts: Record<string, unknown> = {}): Any {
  const Anthropic = mod.Anthropic ?? mod.default;
  return new Anthropic({ apiKey: API_KEY, baseURL: fake.origin, maxRetries: 0, ...opts });
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

/** genai-prices' own per-million rates for `model` on `providerId`, applied here rather than by core. */
export function listPrice(providerId: string, model: string, input: number, output: number): number {
  const price = calcPrice({}, model, { providerId })?.model_price;
  if (price === undefined) throw new Error(`genai-prices has no ${providerId}/${model}`);
  const { input_mtok, output_mtok } = price;
  if (typeof input_mtok !== 'number' || typeof output_mtok !== 'number') throw new Error('expected flat prices');
  return (input * input_mtok + output * output_mtok) / 1e6;
}
