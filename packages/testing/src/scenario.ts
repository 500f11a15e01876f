/**
 * Running one scenario with and without instrumentation and comparing what the caller saw, for any
 * provider package's tests.
 */
import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startFakeProvider } from './fake-provider.js';
import { createOtelHarness, type OtelHarness } from './otel-harness.js';
import type { FakeProvider, WireFormat } from './server.js';

export interface Env {
  harness: OtelHarness;
  fake: FakeProvider;
  close(): Promise<void>;
}

/**
 * A registered OTel harness and a fake provider on loopback, serving `wires` instead of the default set
 * when given (for a provider whose paths overlap another's, as Mistral's Chat Completions path does).
 */
export async function startEnv(wires?: WireFormat[]): Promise<Env> {
  const harness = createOtelHarness();
  const fake = await startFakeProvider({ wires });
  return {
    harness,
    fake,
    async close() {
      await fake.close();
      await harness.shutdown();
    },
  };
}

/**
 * Warnings and errors the OTel API reports, e.g. a span ended twice or touched after its end, once
 * {@link captureDiagnostics} installed the collecting diag logger. Tests empty it before each scenario.
 */
export const diagnostics: string[] = [];
let capturing = false;

export function captureDiagnostics(): void {
  if (capturing) return;
  capturing = true;
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
  const e = err as {
    constructor?: { name?: string };
    status?: unknown;
    statusCode?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    message?: string;
  };
  // Stainless SDKs and @google/genai say `status`, Mistral `statusCode`, the AWS SDK `$metadata.httpStatusCode`.
  const status = e?.status ?? e?.statusCode ?? e?.$metadata?.httpStatusCode;
  return { class: e?.constructor?.name ?? typeof err, status, message: String(e?.message ?? err) };
}

/** Runs `fn` with `module` instrumented by `instrument`, then restores it. */
export async function withInstrumentation<T>(
  instrument: () => { uninstrument(): void },
  fn: () => Promise<T>,
): Promise<T> {
  const handle = instrument();
  try {
    return await fn();
  } finally {
    handle.uninstrument();
  }
}

/** The scenario's outcome without, then with, instrumentation: tests assert they are identical. */
export async function bothWays<T>(
  instrument: () => { uninstrument(): void },
  scenario: () => Promise<T>,
): Promise<{ plain: Outcome<T>; instrumented: Outcome<T> }> {
  const plain = await outcome(scenario);
  const inst = await withInstrumentation(instrument, () => outcome(scenario));
  return { plain, instrumented: inst };
}

// Generated per response by the fake or the SDK: OpenAI and Anthropic ids, Gemini's `responseId` and
// `createTime`, the AWS SDK's `$metadata.requestId`.
const ID_KEYS = new Set(['id', 'call_id', 'item_id', 'responseId', 'requestId']);
const TIME_KEYS = new Set(['created', 'created_at', 'completed_at', 'createTime']);

/** Replaces values that differ run to run (generated ids, timestamps) so outcomes compare. */
export function stable<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v) => {
      if (ID_KEYS.has(key) && typeof v === 'string') return '<id>';
      if (TIME_KEYS.has(key)) return '<time>';
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
