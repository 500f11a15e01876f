import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeAll, expect } from 'vitest';
import { bothWays, diagnostics, type Env, type Outcome, only, sleep, withInstrumentation } from '../scenario.js';
import { type ChatRequest, type ContractOptions, oursOf, type ProviderAdapter, type Sdk } from './adapter.js';

export const API_KEY = 'sk-contract-PROMPTSCOPE-SECRET-0123456789';

/** Set to `edges` to run the families on the oldest and the newest SDK line only (the fast test path). */
export const MAJORS_ENV = 'PROMPTSCOPE_CONTRACT_MAJORS';

/** The SDK lines a family runs on: all of them unless {@link MAJORS_ENV} asks for the edges only. */
export function majorsUnderTest(majors: readonly string[]): readonly string[] {
  const mode = process.env[MAJORS_ENV] ?? 'all';
  if (mode === 'all') return majors;
  if (mode === 'edges') return [...new Set([majors[0], majors[majors.length - 1]])];
  throw new Error(`${MAJORS_ENV}=${mode}: expected "all" (the default) or "edges"`);
}

/** One SDK major inside a family's `describe`: the module is loaded before its tests run. */
export interface MajorRun {
  readonly mod: Sdk;
  client(apiKey?: string): Sdk;
  /** The main completion API with the adapter's body for `request`. */
  create(request?: ChatRequest, options?: { signal?: AbortSignal }): Sdk;
  /** The scenario without, then with, the instrumentation. */
  bothWays<T>(
    scenario: () => Promise<T>,
    options?: ContractOptions,
  ): Promise<{ plain: Outcome<T>; instrumented: Outcome<T> }>;
  instrumented<T>(fn: () => Promise<T>, options?: ContractOptions): Promise<T>;
  /** The package's spans, all of them. */
  ours(): ReadableSpan[];
  /** The one span, once the SDK's callbacks settled and nothing was reported to the OTel diag logger. */
  theSpan(): Promise<ReadableSpan>;
}

export function forMajor(adapter: ProviderAdapter, env: Env, major: string): MajorRun {
  let mod: Sdk;
  beforeAll(async () => {
    mod = await adapter.load(major);
  });
  const run: MajorRun = {
    get mod() {
      return mod;
    },
    client: (apiKey = API_KEY) => adapter.client(mod, env.fake, apiKey),
    create: (request = {}, options) => adapter.create(run.client(), adapter.body(request), options),
    bothWays: (scenario, options = {}) => bothWays(() => adapter.instrument(mod, options), scenario),
    instrumented: (fn, options = {}) => withInstrumentation(() => adapter.instrument(mod, options), fn),
    ours: () => oursOf(adapter, env.harness.spans()),
    async theSpan() {
      await sleep(20);
      expect(diagnostics).toEqual([]);
      return only(run.ours());
    },
  };
  return run;
}

/** Reads a stream to its end; its items, in order. */
export async function drain(stream: Sdk): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/** Sum and attributes of a counter's points. */
export async function counter(
  env: Env,
  name: string,
): Promise<{ attributes: Record<string, unknown>; value: number }[]> {
  return (await env.harness.metricPoints(name)).map((p) => ({ attributes: p.attributes, value: p.value as number }));
}

/** The OTel SDK warns "Cannot execute the operation on ended Span" when a span is ended twice. */
export function expectNoSpanEndedTwice(): void {
  expect(diagnostics.filter((d) => d.includes('ended'))).toEqual([]);
}
