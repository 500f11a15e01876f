/**
 * One provider call: one span, its metrics and its cost, and the policy every provider shares applied once
 * at its end (usage, cost, content capture with redaction and the byte budget, prompt variables, timings).
 */
import { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ContentKind } from './config.js';
import { serializeContent } from './content.js';
import { attemptAttributes, getPrompt, getSegment, hashedUser, type PromptRef } from './context.js';
import type { CostResult } from './cost.js';
import { errorMessage, errorStatus, errorType } from './errors.js';
import { ATTR, FINISH_REASON_UNKNOWN } from './names.js';
import { track, untrack } from './open-operations.js';
import { getPromptVariables, type PromptVariables, runAttributes, variableAttributes } from './run-context.js';
import type { Telemetry } from './telemetry.js';
import type { Usage } from './usage.js';

/** What a provider package knows when a call starts. */
export interface OperationRequest {
  operation: string;
  provider: string;
  model?: string;
  serverAddress?: string;
  serverPort?: number;
  stream?: boolean;
  /** Further request attributes (request parameters, provider-specific names); a fresh object per call, which the operation fills. */
  attributes?: Attributes;
}

/** What a provider package learned from the response. */
export interface OperationResponse {
  id?: string;
  model?: string;
  finishReasons?: string[];
  attributes?: Attributes;
}

/**
 * What a provider read from a response (a result, or a stream at its end), as plain data: core applies the
 * policy once ({@link Operation.read}). Every field is optional; what the provider could not read is undefined.
 */
export interface Reading {
  usage?: Usage;
  id?: string;
  model?: string;
  /** One per choice, in order; `undefined` where the provider gave none (recorded as `error`). */
  finishReasons?: (string | undefined)[];
  attributes?: Attributes;
  /** The output messages, semconv-shaped; called only when content is captured (building them costs). */
  output?: () => unknown;
}

/** How a stream ended, when the call was streamed. */
export type StreamOutcome = 'completed' | 'cancelled' | 'aborted' | 'error' | 'abandoned' | 'raw';

/** One provider call: one span, its metrics and its cost. Every method is safe to call in any order. */
export class Operation {
  readonly request: OperationRequest;
  readonly telemetry: Telemetry;
  readonly span: Span;
  readonly prompt: PromptRef | undefined;
  /** The user segment active when the call started (spans carry it as is; metrics through the guard). */
  readonly segment: string | undefined;
  readonly context: Context;
  readonly startedAt: number;
  lastActivity: number;
  responseModel: string | undefined;
  responseId: string | undefined;
  private ended = false;
  private firstChunkAt = 0;
  private lastChunkAt = 0;
  private chunks = 0;
  private usage: Usage | undefined;
  private usageSource: string | undefined;
  private error: unknown;
  private hasError = false;
  private content: [ContentKind, unknown][] | undefined;
  /** The prompt's variables when the call started (content capture on only); written with the content. */
  private variables: PromptVariables | undefined;

  constructor(telemetry: Telemetry, request: OperationRequest, parent: Context) {
    this.telemetry = telemetry;
    this.request = request;
    this.prompt = getPrompt(parent);
    // The provider's per-call request attributes object is ours to fill: one object, no merge.
    const attributes: Attributes = request.attributes ?? {};
    attributes[ATTR.OPERATION_NAME] = request.operation;
    attributes[ATTR.PROVIDER_NAME] = request.provider;
    if (request.model !== undefined) attributes[ATTR.REQUEST_MODEL] = request.model;
    if (request.serverAddress !== undefined) attributes[ATTR.SERVER_ADDRESS] = request.serverAddress;
    if (request.serverPort !== undefined) attributes[ATTR.SERVER_PORT] = request.serverPort;
    if (request.stream) attributes[ATTR.REQUEST_STREAM] = true;
    if (this.prompt !== undefined) {
      attributes[ATTR.PROMPT_NAME] = this.prompt.name;
      attributes[ATTR.PROMPT_VERSION] = this.prompt.version;
      if (this.prompt.label !== undefined) attributes[ATTR.PROMPT_LABEL] = this.prompt.label;
      if (this.prompt.sha256 !== undefined) attributes[ATTR.PROMPT_SHA256] = this.prompt.sha256;
      if (this.prompt.source !== undefined) attributes[ATTR.PROMPT_SOURCE] = this.prompt.source;
    }
    const attempt = attemptAttributes(parent);
    if (attempt !== undefined) Object.assign(attributes, attempt);
    const run = runAttributes(parent);
    if (run !== undefined) Object.assign(attributes, run);
    this.segment = getSegment(parent);
    if (this.segment !== undefined) attributes[ATTR.USER_SEGMENT] = this.segment;
    const config = telemetry.config;
    if (config.hashUserId) {
      const user = hashedUser(parent, config.userIdSalt);
      if (user !== undefined) attributes[ATTR.ENDUSER_ID] = user;
    }
    const name = request.model ? `${request.operation} ${request.model}` : request.operation;
    this.startedAt = performance.now();
    this.lastActivity = this.startedAt;
    this.span = telemetry.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    this.context = trace.setSpan(parent, this.span);
    if (config.captureContent && this.prompt !== undefined) this.variables = getPromptVariables(parent);
    track(this, telemetry.config.abandonTimeoutMs);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Whether content should be built at all: when false, providers skip the work entirely. */
  get captureContent(): boolean {
    // An unsampled span records nothing: skip building content that would be thrown away.
    return !this.ended && this.telemetry.config.captureContent && this.span.isRecording();
  }

  /** The caller is still interested (it pulled a chunk, or asked for the body). */
  touch(): void {
    this.lastActivity = performance.now();
  }

  /** A chunk carrying output (text, a tool-call fragment, a refusal) arrived. */
  chunk(): void {
    const now = performance.now();
    this.lastActivity = now;
    if (this.chunks === 0) this.firstChunkAt = now;
    this.lastChunkAt = now;
    this.chunks++;
  }

  setUsage(usage: Usage, source = 'provider'): void {
    this.usage = usage;
    this.usageSource = source;
  }

  setResponse(response: OperationResponse): void {
    if (this.ended) return;
    const span = this.span;
    if (response.id !== undefined) {
      this.responseId = response.id;
      span.setAttribute(ATTR.RESPONSE_ID, response.id);
    }
    if (response.model !== undefined) {
      this.responseModel = response.model;
      span.setAttribute(ATTR.RESPONSE_MODEL, response.model);
    }
    if (response.finishReasons !== undefined && response.finishReasons.length > 0) {
      span.setAttribute(ATTR.RESPONSE_FINISH_REASONS, response.finishReasons);
    }
    if (response.attributes !== undefined) span.setAttributes(response.attributes);
  }

  /**
   * The provider's reading of the response, with the policy applied once: usage first (cost and the token
   * metrics stand on it, so nothing after it can lose it), a finish reason for every choice (`error` where
   * none was given), and the output only when content is captured.
   */
  read(r: Reading): void {
    if (this.ended) return;
    if (r.usage !== undefined) this.setUsage(r.usage);
    this.setResponse({
      id: r.id,
      model: r.model,
      finishReasons: r.finishReasons?.map((f) => f ?? FINISH_REASON_UNKNOWN),
      attributes: r.attributes,
    });
    if (r.output === undefined || !this.captureContent) return;
    try {
      this.recordContent('output', r.output());
    } catch (err) {
      // Building the content is the provider package's code: its failure loses the content, nothing else.
      this.telemetry.internalError('output', err, this.span);
    }
  }

  setAttributes(attributes: Attributes): void {
    if (!this.ended) this.span.setAttributes(attributes);
  }

  /**
   * Content to record if capture is on. Values are semconv-shaped (structured); redaction, the size
   * budget and serialization happen at the end, after every core attribute is on the span, so content
   * can never push a core attribute out of the span's attribute limit.
   */
  recordContent(kind: ContentKind, value: unknown): void {
    if (!this.captureContent) return;
    (this.content ??= []).push([kind, value]);
  }

  /** The call failed: ends the operation with the error recorded. */
  fail(err: unknown, outcome?: StreamOutcome): void {
    if (this.ended) return;
    this.error = err;
    this.hasError = true;
    this.end(outcome ?? (this.request.stream ? 'error' : undefined));
  }

  /** Ends the span and records metrics, exactly once; later calls do nothing. */
  end(outcome?: StreamOutcome): void {
    if (this.ended) return;
    this.ended = true;
    untrack(this);
    const t = this.telemetry;
    // Abandoned: the caller stopped reading without telling us (no `return()`), and we only notice at the
    // timeout or at exit. What we measured ends where the caller was last seen, not when we noticed.
    const abandoned = outcome === 'abandoned';
    const endedAt = abandoned ? this.lastActivity : performance.now();
    let errType: string | undefined;
    try {
      errType = this.finishSpan(outcome);
    } catch (err) {
      t.internalError('end', err, this.span);
    }
    try {
      if (abandoned) this.span.end(endedAt);
      else this.span.end();
    } catch (err) {
      t.internalError('span.end', err);
    }
    try {
      this.recordMetrics(endedAt, errType);
    } catch (err) {
      t.internalError('metrics', err);
    }
  }

  private finishSpan(outcome: StreamOutcome | undefined): string | undefined {
    const span = this.span;
    const t = this.telemetry;
    let errType: string | undefined;
    if (this.hasError) {
      errType = errorType(this.error);
      span.setAttribute(ATTR.ERROR_TYPE, errType);
      const status = errorStatus(this.error);
      if (status !== undefined) span.setAttribute(ATTR.HTTP_STATUS_CODE, status);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(this.error) });
    }
    // An abandoned result is not an error: the provider answered and the consumer stopped reading, as on a
    // `break` (`cancelled`) that its wrapper never passed on. Error ratios count provider failures only.
    if (this.request.stream) {
      if (outcome !== undefined) span.setAttribute(ATTR.STREAM_OUTCOME, outcome);
      span.setAttribute(ATTR.STREAM_CHUNKS, this.chunks);
      if (this.chunks > 0) {
        span.setAttribute(ATTR.RESPONSE_TIME_TO_FIRST_CHUNK, (this.firstChunkAt - this.startedAt) / 1000);
      }
    }
    const usage = this.usage;
    if (usage !== undefined) {
      span.setAttribute(ATTR.USAGE_SOURCE, this.usageSource ?? 'provider');
      if (usage.inputTokens !== undefined) span.setAttribute(ATTR.USAGE_INPUT_TOKENS, usage.inputTokens);
      if (usage.outputTokens !== undefined) span.setAttribute(ATTR.USAGE_OUTPUT_TOKENS, usage.outputTokens);
      // Breakdowns only when non-zero, as the conventions ask.
      if (usage.cacheReadTokens) span.setAttribute(ATTR.USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadTokens);
      if (usage.cacheWriteTokens) span.setAttribute(t.names.cacheWriteInputTokens, usage.cacheWriteTokens);
      if (usage.reasoningTokens) span.setAttribute(ATTR.USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningTokens);
    } else if (!this.hasError && outcome !== 'abandoned' && outcome !== 'raw') {
      span.setAttribute(ATTR.USAGE_SOURCE, 'missing');
    }
    let cost: CostResult | undefined;
    try {
      cost = this.cost();
    } catch (err) {
      // Pricing is ours: a failure there must cost neither the content nor a second error report.
      this.costCache = undefined;
      t.internalError('cost', err, span);
    }
    if (cost !== undefined) {
      if (cost.priced) {
        span.setAttribute(ATTR.COST_USD, cost.totalUsd);
        span.setAttribute(ATTR.COST_INPUT_USD, cost.inputUsd);
        span.setAttribute(ATTR.COST_OUTPUT_USD, cost.outputUsd);
        span.setAttribute(ATTR.PRICING_MATCH, cost.match);
        span.setAttribute(ATTR.PRICING_SOURCE, cost.source);
        span.setAttribute(ATTR.PRICING_VERSION, cost.version);
      } else if (cost.reason === 'unknown_model') {
        span.setAttribute(ATTR.COST_UNPRICED, true);
      }
    }
    if (this.content !== undefined) this.writeContent();
    if (this.variables !== undefined && span.isRecording()) this.writeVariables(this.variables);
    return errType;
  }

  private costCache: CostResult | undefined | null = null;

  private cost(): CostResult | undefined {
    if (this.costCache !== null) return this.costCache;
    const usage = this.usage;
    if (usage === undefined) {
      this.costCache = undefined;
      return undefined;
    }
    const prices = this.telemetry.prices;
    // The response model names the snapshot actually billed; an alias the data lacks falls back to the request's.
    let cost = prices.price(this.request.provider, this.responseModel ?? this.request.model, usage);
    if (
      !cost.priced &&
      cost.reason === 'unknown_model' &&
      this.responseModel !== undefined &&
      this.request.model !== undefined
    ) {
      cost = prices.price(this.request.provider, this.request.model, usage);
    }
    this.costCache = cost;
    return cost;
  }

  private writeContent(): void {
    const { redact, contentMaxBytes } = this.telemetry.config;
    let truncated = false;
    for (const [kind, raw] of this.content ?? []) {
      let value = raw;
      if (redact !== undefined) {
        try {
          value = redact(kind, value);
        } catch (err) {
          // A failing redaction hook must not leak what it was meant to hide: record nothing.
          this.telemetry.internalError('redact', err, this.span);
          continue;
        }
        if (value === undefined) continue;
      }
      const out = serializeContent(value, contentMaxBytes);
      truncated ||= out.truncated;
      this.span.setAttribute(CONTENT_ATTRIBUTE[kind as keyof typeof CONTENT_ATTRIBUTE], out.json);
    }
    if (truncated) this.span.setAttribute(ATTR.CONTENT_TRUNCATED, true);
  }

  /** Same policy as message content: the redaction hook first (if it throws, none is recorded), then the byte budget. */
  private writeVariables(vars: PromptVariables): void {
    const { redact, contentMaxBytes } = this.telemetry.config;
    let out: ReturnType<typeof variableAttributes>;
    try {
      out = variableAttributes(vars, redact, contentMaxBytes);
    } catch (err) {
      this.telemetry.internalError('redact', err, this.span);
      return;
    }
    this.span.setAttributes(out.attributes);
    if (out.truncated) this.span.setAttribute(ATTR.CONTENT_TRUNCATED, true);
  }

  private recordMetrics(endedAt: number, errType: string | undefined): void {
    const t = this.telemetry;
    const m = t.instruments();
    const sets = t.metricSets(this, errType);
    const seconds = (endedAt - this.startedAt) / 1000;
    (this.request.operation === 'embeddings' ? m.embeddingsDuration : m.duration).record(seconds, sets);
    if (this.request.stream && this.chunks > 0 && errType === undefined) {
      m.ttfc.record((this.firstChunkAt - this.startedAt) / 1000, sets);
      if (this.chunks > 1) m.tpoc.record((this.lastChunkAt - this.firstChunkAt) / 1000 / (this.chunks - 1), sets);
    }
    const usage = this.usage;
    if (usage === undefined) return;
    if (m.tokenUsage !== undefined) {
      if (usage.inputTokens !== undefined) m.tokenUsage.record(usage.inputTokens, sets, 'input');
      if (usage.outputTokens !== undefined) m.tokenUsage.record(usage.outputTokens, sets, 'output');
    } else {
      if (usage.inputTokens !== undefined) m.totals.inputTokens.add(sets.key, sets.modal, usage.inputTokens);
      if (usage.outputTokens !== undefined) m.totals.outputTokens.add(sets.key, sets.modal, usage.outputTokens);
    }
    const cost = this.cost();
    if (cost?.priced) m.totals.cost.add(sets.key, sets.base, cost.totalUsd);
    else if (cost?.reason === 'unknown_model') m.totals.unpriced.add(sets.key, sets.base, 1);
  }
}

// Prompt variables are written apart (writeVariables): one attribute per variable, not one JSON value.
const CONTENT_ATTRIBUTE: Record<Exclude<ContentKind, 'prompt_variables'>, string> = {
  input: ATTR.INPUT_MESSAGES,
  output: ATTR.OUTPUT_MESSAGES,
  system_instructions: ATTR.SYSTEM_INSTRUCTIONS,
  tool_definitions: ATTR.TOOL_DEFINITIONS,
};

// Returned when starting an operation itself failed: every call on it is a no-op, so the provider
// package's code path stays the same and the app's call goes through untouched.
export const INERT: Operation = Object.create(Operation.prototype, {
  ended: { value: true, writable: false },
  span: { value: trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }) },
  context: {
    get() {
      return context.active();
    },
  },
  request: { value: { operation: 'unknown', provider: 'unknown' } },
  telemetry: {
    get() {
      throw new Error('inert operation');
    },
  },
});
