import { bothWays as compare, type FakeProvider, type Outcome, withInstrumentation } from '@promptscope/testing';
import { instrument, type ManualOptions } from '../src/index.js';

export {
  diagnostics,
  type Env,
  type ErrorShape,
  errorShape,
  type Outcome,
  only,
  outcome,
  sleep,
  stable,
  startEnv,
} from '@promptscope/testing';
export { useEnv } from '@promptscope/testing/vitest';

/** Every `openai` major we support, installed side by side as npm aliases. */
export const MAJORS = ['openai-v4', 'openai-v5', 'openai-v6', 'openai-v7'] as const;
export type Major = (typeof MAJORS)[number];

// biome-ignore lint/suspicious/noExplicitAny: each major has its own types; tests use the shared surface
export type AnyClient = any;
// biome-ignore lint/suspicious/noExplicitAny: the module namespace of any major
export type AnyModule = any;

export const API_KEY = 'sk-test-PROMPTSCOPE-SECRET-0123456789';

export async function loadMajor(major: Major): Promise<AnyModule> {
  return import(major);
}

export function client(mod: AnyModule, fake: FakeProvider, opts: Record<string, unknown> = {}): AnyClient {
  const OpenAI = mod.OpenAI ?? mod.default;
  return new OpenAI({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0, ...opts });
}

/** Instruments `mod` for the duration of `fn`. */
// biome-ignore lint/suspicious/noExplicitAny: scenarios return SDK objects of any major
export function instrumented<T = any>(mod: AnyModule, fn: () => Promise<T>, options: ManualOptions = {}): Promise<T> {
  return withInstrumentation(() => instrument(mod, options), fn);
}

/** The scenario without, then with, the instrumentation: both caller-visible outcomes. */
export function bothWays<T>(
  mod: AnyModule,
  scenario: () => Promise<T>,
  options: ManualOptions = {},
): Promise<{ plain: Outcome<T>; instrumented: Outcome<T> }> {
  return compare(() => instrument(mod, options), scenario);
}
