import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createOtelHarness, type FakeProvider, type OtelHarness, startFakeProvider } from '@promptscope/testing';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { instrument, type ManualOptions } from '../src/index.js';

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

/** Diagnostics the OTel SDK prints when a span is ended twice or touched after its end. */
export const diagnostics: string[] = [];
diag.setLogger(
  {
    error: (m: string) => diagnostics.push(`error: ${m}`),
    warn: (m: string) => diagnostics.push(`warn: ${m}`),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  DiagLogLevel.WARN,
);

export interface Env {
  harness: OtelHarness;
  fake: FakeProvider;
  close(): Promise<void>;
}

/**
 * One harness and one fake provider per test file, reset before each test. The returned object is
 * filled in before the first test runs.
 */
export function useEnv(): Env {
  const env = {} as Env;
  beforeAll(async () => {
    Object.assign(env, await startEnv());
  });
  afterAll(() => env.close());
  beforeEach(() => {
    env.harness.reset();
    env.fake.reset();
    diagnostics.length = 0;
  });
  return env;
}

export async function startEnv(): Promise<Env> {
  const harness = createOtelHarness();
  const fake = await startFakeProvider();
  return {
    harness,
    fake,
    async close() {
      await fake.close();
      await harness.shutdown();
    },
  };
}

export function client(mod: AnyModule, fake: FakeProvider, opts: Record<string, unknown> = {}): AnyClient {
  const OpenAI = mod.OpenAI ?? mod.default;
  return new OpenAI({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0, ...opts });
}

/** Instruments `mod` for the duration of `fn`. */
// biome-ignore lint/suspicious/noExplicitAny: scenarios return SDK objects of any major
export async function instrumented<T = any>(
  mod: AnyModule,
  fn: () => Promise<T>,
  options: ManualOptions = {},
): Promise<T> {
  const handle = instrument(mod, options);
  try {
    return await fn();
  } finally {
    handle.uninstrument();
  }
}

/**
 * Runs a scenario without, then with, the instrumentation and returns both caller-visible outcomes,
 * so tests can assert they are identical.
 */
export async function bothWays<T>(
  mod: AnyModule,
  scenario: () => Promise<T>,
  options: ManualOptions = {},
): Promise<{ plain: Outcome<T>; instrumented: Outcome<T> }> {
  const plain = await outcome(scenario);
  const inst = await instrumented(mod, () => outcome(scenario), options);
  return { plain, instrumented: inst };
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorShape };

export interface ErrorShape {
  class: string;
  status: unknown;
  message: string;
}

export async function outcome<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: errorShape(err) };
  }
}

export function errorShape(err: unknown): ErrorShape {
  const e = err as { constructor?: { name?: string }; status?: unknown; message?: string };
  return { class: e?.constructor?.name ?? typeof err, status: e?.status, message: String(e?.message ?? err) };
}

/** Replaces values that differ run to run (generated ids, timestamps) so outcomes compare. */
export function stable<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v) => {
      if (key === 'id' && typeof v === 'string') return '<id>';
      if (key === 'created' || key === 'created_at' || key === 'completed_at') return '<time>';
      if ((key === 'call_id' || key === 'item_id') && typeof v === 'string') return '<id>';
      if (key === 'sequence_number') return v;
      return v;
    }),
  );
}

export function only(spans: ReadableSpan[]): ReadableSpan {
  if (spans.length !== 1) {
    throw new Error(`expected exactly one span, got ${spans.length}: ${spans.map((s) => s.name).join(', ')}`);
  }
  return spans[0];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
