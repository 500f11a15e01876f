/**
 * What a provider package supplies to run the provider contract suite: its SDK majors, how to build a
 * client and a request, and the few ways its SDK differs. The suite holds the guarantees; an adapter only
 * says how to reach them, so a new provider inherits every one and cannot quietly drop one.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ErrorShape, Outcome } from '../scenario.js';
import type { Fault } from '../script.js';
import type { FakeProvider, RecordedRequest } from '../server.js';

// biome-ignore lint/suspicious/noExplicitAny: SDK modules, clients and results of any provider and major
export type Sdk = any;

/** The instrumentation options the suite passes through; each provider's own options type is wider. */
export interface ContractOptions {
  captureContent?: boolean;
  abandonTimeoutMs?: number;
  redact?: (kind: string, value: unknown) => unknown;
  // biome-ignore lint/suspicious/noExplicitAny: the OTel providers of any SDK version
  tracerProvider?: any;
  // biome-ignore lint/suspicious/noExplicitAny: the OTel providers of any SDK version
  meterProvider?: any;
}

/** A provider-neutral completion request; the adapter turns it into its API's body. */
export interface ChatRequest {
  /** The user message's content: a string, or content parts built with the adapter's part builders. */
  content?: unknown;
  system?: string;
  model?: string;
  stream?: boolean;
  /** Provider-specific fields, passed through (e.g. `temperature`). */
  extra?: Record<string, unknown>;
}

/** One API of the provider, called with a user text; streams are consumed to the end. */
export interface ContractApi {
  name: string;
  stream: boolean;
  /** Spans of this API carry chat content (input and output messages) when capture is on. */
  chat: boolean;
  /**
   * The SDK hands the response body over unparsed (Bedrock's InvokeModel bytes): a malformed body is not
   * an SDK error, so the malformed-JSON check skips this API (its package tests that case itself).
   */
  rawBody?: boolean;
  call(client: Sdk, text: string, system: string): Promise<unknown>;
}

/**
 * The parts of core the suite reaches into: it injects failures into the operation and the price book
 * (the instrumentation must fail open) and ends open operations as shutdown does.
 */
export interface ContractCore {
  Operation: { prototype: { setResponse(...args: never[]): unknown } };
  PriceBook: { prototype: { price(...args: never[]): unknown } };
  endOpenOperations(): number;
}

export interface ProviderAdapter {
  /** For test names, e.g. `openai`. */
  name: string;
  /** The instrumentation scope of the package under test: only its spans are checked. */
  scope: string;
  /** The SDK lines in use, installed side by side as npm aliases. */
  majors: readonly string[];
  load(major: string): Promise<Sdk>;
  instrument(mod: Sdk, options: ContractOptions): { uninstrument(): void };
  core: ContractCore;
  /** A client of `mod` talking to the fake provider, without retries. */
  client(mod: Sdk, fake: FakeProvider, apiKey: string): Sdk;
  /** The main completion API's body for a request. */
  body(request: ChatRequest): Record<string, unknown>;
  /** Calls the main completion API (`chat.completions.create`, `messages.create`): the SDK's own promise. */
  create(client: Sdk, body: Record<string, unknown>, options?: { signal?: AbortSignal }): Sdk;
  /** Content part builders for the request's user message. */
  textPart(text: string): unknown;
  imagePart(base64: string, mime: string): unknown;
  /** Every API the package instruments, for the privacy and malformed-body checks. */
  apis: readonly ContractApi[];
  /** HTTP errors the provider answers, with the status the SDK's error carries. */
  httpErrors: readonly { fault: Fault; status: number; errorClass?: string }[];
  /**
   * Stream items that carry output (OpenAI: every chunk; Anthropic: `content_block_delta` events), for
   * scenarios that stop after a number of them.
   */
  isOutputChunk(item: Sdk): boolean;
  /**
   * The body the instrumented call to `path` sends, given the plain call's: identical unless the package
   * adds something on purpose (OpenAI asks Chat Completions streams for usage), and identical when the
   * caller reads the raw response.
   */
  instrumentedBody?(plain: Record<string, unknown>, sent: { path: string; raw: boolean }): Record<string, unknown>;
  /** The API key as the fake received it (a header). */
  sentKey(request: RecordedRequest): string | undefined;
  /** The wire can stream reasoning text (Anthropic's thinking blocks). */
  thinking?: boolean;
  /**
   * A Stainless-generated SDK (`openai`, Anthropic, Groq, Together): its promise has `withResponse()` and
   * `asResponse()`, its stream `tee()`, `toReadableStream()` and a `controller`, and the suite checks each.
   * Other SDKs abort through the signal `create` passes on.
   */
  stainless?: boolean;
  /** The error class the SDK throws when the caller aborts before the response (default `APIUserAbortError`). */
  abortErrorClass?: string;
  /**
   * The error class the SDK raises for an unparsable stream frame (default `SyntaxError`; Speakeasy SDKs such as
   * Mistral's parse each frame through a zod schema and raise its `ZodError`).
   */
  malformedStreamErrorClass?: string;
  /**
   * What iterating a consumed stream again gives: the SDK's error message (default: one matching
   * /consumed/), or `'nothing'` for SDKs whose stream is a generator that is simply done.
   */
  secondIteration?: RegExp | 'nothing';
  /**
   * The SDK lines that raise an in-stream error event as an error (default: all of them). `@google/genai`
   * 1.x yields Gemini's `data: {"error":…}` event as an empty chunk and ends the stream as if it completed.
   */
  streamErrorMajors?: readonly string[];
}

/** The caller's error, or a test failure saying what came back instead. */
export function failed<T>(o: Outcome<T>): ErrorShape {
  if (o.ok) throw new Error(`expected the call to fail, it returned ${JSON.stringify(o.value).slice(0, 200)}`);
  return o.error;
}

/** Spans of the package under test; some SDKs (Anthropic 0.134+) make spans of their own. */
export function oursOf(adapter: ProviderAdapter, spans: ReadableSpan[]): ReadableSpan[] {
  return spans.filter((s) => s.instrumentationScope.name === adapter.scope);
}
