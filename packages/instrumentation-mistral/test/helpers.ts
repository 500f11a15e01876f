import {
  bothWays as compare,
  type FakeProvider,
  mistralWire,
  type Outcome,
  withInstrumentation,
} from '@promptscope/testing';
import { useEnv as startEnv } from '@promptscope/testing/vitest';
import { instrument, type ManualOptions } from '../src/index.js';

export { diagnostics, only, sleep, stable } from '@promptscope/testing';

/** The `@mistralai/mistralai` lines in use, installed side by side as npm aliases. */
export const MAJORS = ['mistral-v1', 'mistral-v2'] as const;
export type Major = (typeof MAJORS)[number];

// biome-ignore lint/suspicious/noExplicitAny: each version has its own types; tests use the shared surface
export type Any = any;

export const API_KEY = 'mistral-test-PROMPTSCOPE-SECRET-0123456789';
export const MODEL = 'mistral-small-latest';

/** Mistral's paths are OpenAI's: the fake speaks only Mistral's wire in these tests. */
export const useEnv = () => startEnv([mistralWire]);

export async function loadMajor(major: Major): Promise<Any> {
  return import(major);
}

export function client(mod: Any, fake: FakeProvider, opts: Record<string, unknown> = {}): Any {
  return new mod.Mistral({ apiKey: API_KEY, serverURL: fake.origin, retryConfig: { strategy: 'none' }, ...opts });
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
