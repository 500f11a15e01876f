/**
 * promptscope on the Vercel AI SDK 7's own spans.
 *
 * Mechanism: a telemetry integration (the AI SDK's `Telemetry` interface) that WRAPS `@ai-sdk/otel`'s
 * `OpenTelemetry` integration instead of sitting beside it. Why:
 * - The AI SDK calls integrations side by side, so a sibling cannot know whether its callback runs
 *   before or after the one that ends the span; wrapping fixes the order: on a model call's end we write
 *   cost, usage and timings first, then hand the event on and `@ai-sdk/otel` ends its span.
 * - `@ai-sdk/otel` keeps its spans private. Built with our {@link CapturingTracer}, the span its start
 *   callback opens is ours to enrich, for language-model and embedding calls alike.
 * - OpenTelemetry JS 2.x span processors have no `onEnding` (sdk-trace-base 2.12 calls `onEnd` with the
 *   span already read-only), so a processor could not add cost to a span that is about to be exported.
 * Core's `Operation` does the work (prompt, segment, hashed user, usage, cost, metrics, content policy) on
 * the adopted span through {@link adoptingTracerProvider}: one span per model call, theirs, nothing doubled.
 */
import { OpenTelemetry, type OpenTelemetryOptions } from '@ai-sdk/otel';
import {
  type Context,
  context,
  isSpanContextValid,
  type MeterProvider,
  type Span,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { getPrompt, getSegment, type PromptscopeConfig } from '@promptscope/core';
import { ATTR, OPERATION, type Operation, Telemetry } from '@promptscope/core/provider';
import type { Telemetry as AiTelemetry } from 'ai';
import { rememberModelCall } from './completions.js';
import { type AiSdkUsage, providerName, usageOf } from './mapping.js';
import { adoptingTracerProvider, CapturingTracer } from './spans.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

export interface PromptscopeAiSdkOptions extends PromptscopeConfig {
  /** Options of the `@ai-sdk/otel` integration this one wraps (its `tracer`, if given, is used underneath). */
  otel?: OpenTelemetryOptions;
  /** Where the AI SDK's spans go when `otel.tracer` is not given. Default: the global tracer provider. */
  tracerProvider?: TracerProvider;
  /** Where promptscope's metrics go. Default: the global meter provider. */
  meterProvider?: MeterProvider;
}

/** `@ai-sdk/otel`'s default tracer name, kept so the spans' scope is the same with or without promptscope. */
const AI_SDK_TRACER = 'gen_ai';
const MAX_OPEN_CALLS = 10_000;
const STREAMING = new Set(['ai.streamText', 'ai.streamObject']);

interface CallState {
  operationId: string;
  /** streamText/streamObject: the model calls are streams, timed by the AI SDK. */
  stream: boolean;
  model: Operation | undefined;
  embeds: Map<string, Operation>;
}

type Ev = { callId: string } & Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the AI SDK's callbacks take event unions we only read from
type AnyEvent = any;

// Callbacks passed to the wrapped integration unchanged. Deprecated aliases (`onStepFinish`,
// `experimental_onEvaluate*`) are left out on purpose: the AI SDK fans a step end out to both names, and
// forwarding both would end the wrapped integration's step span twice.
const FORWARDED = [
  'onStepStart',
  'onToolExecutionStart',
  'onToolExecutionEnd',
  'onStepEnd',
  'onObjectStepStart',
  'onObjectStepEnd',
  'onRerankStart',
  'onRerankEnd',
  'experimental_onDecideStart',
  'experimental_onDecisionModelCallStart',
  'experimental_onDecisionModelCallEnd',
  'experimental_onDecideEnd',
  'experimental_onStreamTranscriptionStart',
  'experimental_onStreamTranscriptionEnd',
  'executeTool',
] as const;

export class PromptscopeTelemetry implements AiTelemetry {
  /** The wrapped `@ai-sdk/otel` integration that owns the spans. */
  readonly otel: OpenTelemetry;
  /** Core's per-instrumentation state: config, prices, instruments. */
  readonly telemetry: Telemetry;
  private readonly tracer: CapturingTracer;
  private readonly adopt = adoptingTracerProvider();
  private readonly calls = new Map<string, CallState>();

  constructor(options: PromptscopeAiSdkOptions = {}) {
    const { otel, tracerProvider, meterProvider, ...config } = options;
    this.telemetry = new Telemetry(config, { name: PACKAGE_NAME, version: PACKAGE_VERSION });
    this.telemetry.setTracerProvider(this.adopt.provider);
    if (meterProvider !== undefined) this.telemetry.setMeterProvider(meterProvider);
    const given = otel?.tracer;
    this.tracer = new CapturingTracer(
      () => given ?? (tracerProvider ?? trace.getTracerProvider()).getTracer(AI_SDK_TRACER),
    );
    this.otel = new OpenTelemetry({ ...otel, tracer: this.tracer });
    const self = this as unknown as Record<string, unknown>;
    const inner = this.otel as unknown as Record<string, unknown>;
    for (const key of FORWARDED) {
      const fn = inner[key];
      if (typeof fn === 'function') self[key] = fn.bind(this.otel);
    }
    self.experimental_durable = this.otel.experimental_durable;
  }

  onStart(event: AnyEvent): void {
    const e = this.contentPolicy(event);
    try {
      const operationId = String(e.operationId ?? '');
      // Every operation ends with onEnd, onError or onAbort; the bound is for one that never does.
      if (this.calls.size >= MAX_OPEN_CALLS) this.calls.delete(this.calls.keys().next().value as string);
      this.calls.set(e.callId, {
        operationId,
        stream: STREAMING.has(operationId),
        model: undefined,
        embeds: new Map(),
      });
    } catch (err) {
      this.telemetry.internalError('ai-sdk.start', err);
    }
    const root = this.tracer.capture(() => this.otel.onStart(e));
    try {
      if (root !== undefined) this.enrichRoot(root, context.active());
    } catch (err) {
      this.telemetry.internalError('ai-sdk.start', err);
    }
  }

  onLanguageModelCallStart(event: AnyEvent): void {
    const span = this.tracer.capture(() => this.otel.onLanguageModelCallStart(event));
    try {
      const state = this.calls.get(event.callId);
      if (state === undefined) return;
      // A retried stream can start a new attempt without ending the last one: that one is over.
      state.model?.end();
      state.model = this.start(span, {
        operation: OPERATION.CHAT,
        provider: providerName(String(event.provider)),
        model: String(event.modelId),
        stream: state.stream,
      });
    } catch (err) {
      this.telemetry.internalError('ai-sdk.model-start', err);
    }
  }

  onLanguageModelCallEnd(event: AnyEvent): void {
    try {
      const state = this.calls.get(event.callId);
      const op = state?.model;
      if (state !== undefined && op !== undefined) {
        state.model = undefined;
        this.endModelCall(op, event, state.stream);
      }
    } catch (err) {
      this.telemetry.internalError('ai-sdk.model-end', err);
    }
    this.otel.onLanguageModelCallEnd(event);
  }

  onEmbedStart(event: AnyEvent): void {
    const span = this.tracer.capture(() => this.otel.onEmbedStart(event));
    try {
      const state = this.calls.get(event.callId);
      if (state === undefined) return;
      state.embeds.set(
        String(event.embedCallId),
        this.start(span, {
          operation: OPERATION.EMBEDDINGS,
          provider: providerName(String(event.provider)),
          model: String(event.modelId),
        }),
      );
    } catch (err) {
      this.telemetry.internalError('ai-sdk.embed-start', err);
    }
  }

  onEmbedEnd(event: AnyEvent): void {
    try {
      const state = this.calls.get(event.callId);
      const op = state?.embeds.get(String(event.embedCallId));
      if (state !== undefined && op !== undefined) {
        state.embeds.delete(String(event.embedCallId));
        const tokens = (event.usage as { tokens?: number } | undefined)?.tokens;
        op.read({ usage: tokens === undefined ? undefined : { inputTokens: tokens } });
        op.end();
      }
    } catch (err) {
      this.telemetry.internalError('ai-sdk.embed-end', err);
    }
    this.otel.onEmbedEnd(event);
  }

  onStepError(event: AnyEvent): void {
    this.failOpen(event.callId, event.error, false);
    this.otel.onStepError(event);
  }

  onError(error: unknown): void {
    const callId = (error as { callId?: unknown } | null)?.callId;
    if (typeof callId === 'string') this.failOpen(callId, (error as { error?: unknown }).error ?? error, true);
    this.otel.onError(error);
  }

  onAbort(event: AnyEvent): void {
    this.failOpen(event.callId, undefined, true, 'cancelled');
    this.otel.onAbort(event);
  }

  onEnd(event: AnyEvent): void {
    this.failOpen(event.callId, undefined, true);
    this.otel.onEnd(event);
  }

  executeLanguageModelCall<T>(options: { callId: string; execute: () => PromiseLike<T> }): PromiseLike<T> {
    return this.otel.executeLanguageModelCall(options);
  }

  /**
   * The AI SDK records prompts and completions on its spans unless told not to; promptscope's rule is
   * that content is captured only when opted in (`captureContent` / PROMPTSCOPE_CAPTURE_CONTENT).
   */
  private contentPolicy(event: AnyEvent): AnyEvent {
    if (this.telemetry.config.captureContent) return event;
    return Object.assign(Object.create(Object.getPrototypeOf(event)), event, {
      recordInputs: false,
      recordOutputs: false,
    });
  }

  private start(span: Span | undefined, request: Parameters<Telemetry['start']>[0]): Operation {
    const attributes: Record<string, string | number | boolean> = {};
    request.attributes = attributes;
    const stream = request.stream === true;
    // Core's stream bookkeeping counts chunks it sees itself; here the AI SDK measures them, so the
    // Operation treats the call as plain and the stream timings are added from the AI SDK's numbers.
    request.stream = false;
    if (stream) attributes[ATTR.REQUEST_STREAM] = true;
    return this.adopt.adopting(span, () => this.telemetry.start(request, context.active()));
  }

  private endModelCall(op: Operation, event: Ev, stream: boolean): void {
    const responseId = stringOr(event.responseId);
    op.read({ usage: usageOf(event.usage as AiSdkUsage | undefined), id: responseId, model: stringOr(event.modelId) });
    const failed = event.finishReason === 'error';
    // As core does for vendor SDKs: a failed stream's TTFT is on its span but not in the metric.
    if (stream) this.streamTimings(op, event, !failed);
    // A stream that carried an error ends with finish reason `error`; the AI SDK does not pass the error on.
    if (failed) op.fail(new StreamFailure('the model call ended with an error in its stream'));
    else op.end();
    // Without an adopted span there is nothing for feedback to point at.
    if (isSpanContextValid(op.span.spanContext())) rememberModelCall(responseId, op);
  }

  /** TTFT and time per output chunk, from the AI SDK's own measurements of the model call. */
  private streamTimings(op: Operation, event: Ev, record: boolean): void {
    const perf = event.performance as
      | { timeToFirstOutputMs?: number; timeBetweenOutputChunksMs?: { avg?: number } }
      | undefined;
    const ttft = perf?.timeToFirstOutputMs;
    if (ttft === undefined) return;
    op.setAttributes({ [ATTR.RESPONSE_TIME_TO_FIRST_CHUNK]: ttft / 1000 });
    if (!record) return;
    try {
      const t = this.telemetry;
      const m = t.instruments();
      const sets = t.metricSets(op, undefined);
      m.ttfc.record(ttft / 1000, sets);
      const gap = perf?.timeBetweenOutputChunksMs?.avg;
      if (gap !== undefined) m.tpoc.record(gap / 1000, sets);
    } catch (err) {
      this.telemetry.internalError('metrics', err, op.span);
    }
  }

  /** Ends what is still open for `callId` (a failed model call), and forgets the call when it is over. */
  private failOpen(callId: unknown, error: unknown, over: boolean, outcome?: 'cancelled'): void {
    try {
      if (typeof callId !== 'string') return;
      const state = this.calls.get(callId);
      if (state === undefined) return;
      const open = [...(state.model ? [state.model] : []), ...state.embeds.values()];
      state.model = undefined;
      state.embeds.clear();
      for (const op of open) {
        if (outcome === 'cancelled') op.setAttributes({ [ATTR.STREAM_OUTCOME]: outcome });
        if (error !== undefined) op.fail(error);
        else op.end();
      }
      if (over) this.calls.delete(callId);
    } catch (err) {
      this.telemetry.internalError('ai-sdk.end', err);
    }
  }

  /** The operation's span (`invoke_agent …`, `embeddings …`) carries the prompt and segment too, for grouping. */
  private enrichRoot(root: Span, ctx: Context): void {
    const prompt = getPrompt(ctx);
    if (prompt !== undefined) {
      root.setAttribute(ATTR.PROMPT_NAME, prompt.name);
      root.setAttribute(ATTR.PROMPT_VERSION, prompt.version);
      if (prompt.label !== undefined) root.setAttribute(ATTR.PROMPT_LABEL, prompt.label);
    }
    const segment = getSegment(ctx);
    if (segment !== undefined) root.setAttribute(ATTR.USER_SEGMENT, segment);
  }
}

/** Its `error.type` is `_OTHER`, as on the AI SDK's own inference-duration metric for the same case. */
class StreamFailure extends Error {}
Object.defineProperty(StreamFailure, 'name', { value: '_OTHER' });

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
