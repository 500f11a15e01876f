import {
  type Attributes,
  type Context,
  type Counter,
  context,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableResult,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { ContentKind, PromptscopeConfig, ResolvedConfig } from './config.js';
import { resolveConfig } from './config.js';
import { serializeContent } from './content.js';
import { attemptAttributes, getPrompt, getSegment, hashedUser, type PromptRef } from './context.js';
import { type CostResult, PriceBook } from './cost.js';
import { errorMessage, errorStatus, errorType, logInternalError } from './errors.js';
import {
  ATTR,
  DURATION_BUCKETS,
  METRIC,
  SCOPE_NAME,
  SEGMENT_OTHER,
  type SemconvNames,
  semconvNames,
  TOKEN_BUCKETS,
} from './names.js';
import { getPromptVariables, type PromptVariables, runAttributes, variableAttributes } from './run-context.js';
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

/** How a stream ended, when the call was streamed. */
export type StreamOutcome = 'completed' | 'cancelled' | 'aborted' | 'error' | 'abandoned' | 'raw';

interface Instruments {
  provider: MeterProvider;
  duration: Histogram;
  embeddingsDuration: Histogram;
  ttfc: Histogram;
  tpoc: Histogram;
  tokenUsage: Histogram | undefined;
  internalErrors: Counter;
  totals: MeterTotals;
  segments: SegmentGuard;
}

const MAX_ATTRIBUTE_SETS = 2048;

/**
 * The policy every provider shares, once: names, config, span lifecycle, timings, metrics, cost,
 * prompt context, content capture. A provider package maps its SDK to calls on an {@link Operation}.
 */
export class Telemetry {
  readonly config: ResolvedConfig;
  readonly names: SemconvNames;
  readonly prices: PriceBook;
  private readonly scopeName: string;
  private readonly scopeVersion: string | undefined;
  private tracerProvider: TracerProvider | undefined;
  private meterProvider: MeterProvider | undefined;
  private tracerCache: { provider: TracerProvider; tracer: Tracer } | undefined;
  private instrumentsCache: Instruments | undefined;
  // Metric attribute sets are built once per distinct combination: hashing and allocating them per record
  // is most of what a metric record costs in the OTel JS SDK.
  private readonly attributeSets = new Map<string, MetricSets>();

  constructor(options: PromptscopeConfig | ResolvedConfig = {}, scope: { name?: string; version?: string } = {}) {
    this.config = isResolved(options) ? options : resolveConfig(options);
    this.names = semconvNames(this.config.semconv);
    this.scopeName = scope.name ?? SCOPE_NAME;
    this.scopeVersion = scope.version;
    this.prices = makePriceBook(this.config);
  }

  setTracerProvider(provider: TracerProvider): void {
    this.tracerProvider = provider;
  }

  setMeterProvider(provider: MeterProvider): void {
    this.meterProvider = provider;
  }

  get tracer(): Tracer {
    const provider = this.tracerProvider ?? trace.getTracerProvider();
    if (this.tracerCache?.provider !== provider) {
      this.tracerCache = { provider, tracer: provider.getTracer(this.scopeName, this.scopeVersion) };
    }
    return this.tracerCache.tracer;
  }

  /** Instruments follow the meter provider: the global one may be registered after we were created. */
  instruments(): Instruments {
    const provider = this.meterProvider ?? metrics.getMeterProvider();
    if (this.instrumentsCache?.provider !== provider) {
      this.instrumentsCache = createInstruments(provider.getMeter(this.scopeName, this.scopeVersion), provider, this);
      this.attributeSets.clear();
    }
    return this.instrumentsCache;
  }

  /** Starts recording one provider call. Never throws: a failure here yields an inert operation. */
  start(request: OperationRequest, parent: Context = context.active()): Operation {
    try {
      return new Operation(this, request, parent);
    } catch (err) {
      this.internalError('start', err);
      return INERT;
    }
  }

  /** Counts and logs a failure of our own code. */
  internalError(stage: string, err: unknown, span?: Span): void {
    try {
      logInternalError(stage, err);
      span?.setAttribute(ATTR.INSTRUMENTATION_ERROR, `${stage}: ${errorMessage(err)}`);
      this.instruments().internalErrors.add(1, { stage });
    } catch {
      // Reporting must never be the thing that breaks the app.
    }
  }

  /**
   * @internal The metric attribute sets of one combination, built once and reused: building and hashing
   * them is most of what a metric record costs in the OTel JS SDK. Server address and port stay on spans:
   * metrics carry only the low-cardinality dimensions DESIGN.md lists.
   */
  metricSets(op: Operation, errorTypeValue: string | undefined): MetricSets {
    const prompt = op.prompt;
    const r = op.request;
    const segment =
      op.segment === undefined ? undefined : this.instruments().segments.admit(op.segment, this.config.segmentLimit);
    const key = `${r.provider}\u0000${r.operation}\u0000${r.model ?? ''}\u0000${op.responseModel ?? ''}\u0000${errorTypeValue ?? ''}\u0000${prompt?.name ?? ''}\u0000${prompt?.version ?? ''}\u0000${segment ?? ''}`;
    let sets = this.attributeSets.get(key);
    if (sets === undefined) {
      const base: Attributes = { [ATTR.OPERATION_NAME]: r.operation, [ATTR.PROVIDER_NAME]: r.provider };
      if (r.model !== undefined) base[ATTR.REQUEST_MODEL] = r.model;
      if (op.responseModel !== undefined) base[ATTR.RESPONSE_MODEL] = op.responseModel;
      if (errorTypeValue !== undefined) base[ATTR.ERROR_TYPE] = errorTypeValue;
      if (prompt !== undefined) {
        base[ATTR.PROMPT_NAME] = prompt.name;
        base[ATTR.PROMPT_VERSION] = prompt.version;
      }
      if (segment !== undefined) base[ATTR.USER_SEGMENT] = segment;
      const tokenKey = this.config.semconv === 'latest' ? ATTR.TOKEN_MODALITY : ATTR.TOKEN_TYPE;
      sets = {
        key,
        base: Object.freeze(base),
        input: Object.freeze({ ...base, [tokenKey]: 'input' }),
        output: Object.freeze({ ...base, [tokenKey]: 'output' }),
        // The latest conventions split token counters by modality; providers here do not report one.
        modal: Object.freeze({ ...base, [tokenKey]: 'unknown' }),
      };
      // Model names come from callers and providers; bound the cache so they cannot grow memory forever.
      if (this.attributeSets.size >= MAX_ATTRIBUTE_SETS) this.attributeSets.clear();
      this.attributeSets.set(key, sets);
    }
    return sets;
  }
}

/**
 * The cardinality guard of `promptscope.user.segment` on metrics, one per meter provider (so every
 * promptscope instrumentation in the process shares it): the first `limit` distinct segments keep their value, later
 * new ones become `other`, and `promptscope.segment.overflow` counts the operations folded that way.
 */
class SegmentGuard {
  private readonly admitted = new Set<string>();
  overflow = 0;

  /** The value metrics carry for `segment`: itself, `other`, or nothing when the limit is 0. Counted once per call. */
  admit(segment: string, limit: number): string | undefined {
    if (limit === 0) return undefined;
    if (this.admitted.has(segment)) return segment;
    if (this.admitted.size < limit) {
      this.admitted.add(segment);
      return segment;
    }
    this.overflow++;
    return SEGMENT_OTHER;
  }
}

const segmentGuards = new WeakMap<MeterProvider, SegmentGuard>();

function segmentGuardFor(provider: MeterProvider): SegmentGuard {
  let guard = segmentGuards.get(provider);
  if (guard === undefined) {
    const created = new SegmentGuard();
    guard = created;
    segmentGuards.set(provider, created);
    // Reported under core's scope whichever instrumentation saw the first segment.
    provider
      .getMeter(SCOPE_NAME)
      .createObservableCounter(METRIC.SEGMENT_OVERFLOW, {
        unit: '{call}',
        description: `Operations whose promptscope.user.segment was reported as "${SEGMENT_OTHER}" on metrics: more distinct segments than segmentLimit`,
      })
      .addCallback((result) => {
        if (created.overflow > 0) result.observe(created.overflow);
      });
  }
  return guard;
}

/** Cumulative sums behind the observable counters of one meter, keyed like the attribute sets. */
interface MeterTotals {
  cost: Totals;
  unpriced: Totals;
  inputTokens: Totals;
  outputTokens: Totals;
  /** The latest conventions' token counters are registered on first use in that mode. */
  tokensObserved: boolean;
}

// One set of sums and one callback per meter: several Telemetry instances (one per `instrument()` call,
// say) share a meter, and two callbacks observing the same counter would overwrite each other.
const meterTotals = new WeakMap<Meter, MeterTotals>();

function totalsFor(meter: Meter, latest: boolean): MeterTotals {
  let totals = meterTotals.get(meter);
  if (totals !== undefined) {
    if (latest) observeTokenCounters(meter, totals);
    return totals;
  }
  totals = {
    cost: new Totals(),
    unpriced: new Totals(),
    inputTokens: new Totals(),
    outputTokens: new Totals(),
    tokensObserved: false,
  };
  meterTotals.set(meter, totals);
  const observe = (name: string, unit: string, description: string, sums: Totals) =>
    meter.createObservableCounter(name, { unit, description }).addCallback((result) => sums.observe(result));
  observe(
    METRIC.COST,
    '{USD}',
    'Cost of GenAI operations in US dollars, computed from usage and the price data',
    totals.cost,
  );
  observe(
    METRIC.UNPRICED,
    '{call}',
    'Operations whose model has no known price (their cost is unknown, not zero)',
    totals.unpriced,
  );
  if (latest) observeTokenCounters(meter, totals);
  return totals;
}

function observeTokenCounters(meter: Meter, totals: MeterTotals): void {
  if (totals.tokensObserved) return;
  totals.tokensObserved = true;
  meter
    .createObservableCounter(METRIC.USAGE_INPUT_TOKENS, {
      unit: '{token}',
      description: 'Input tokens, cached included',
    })
    .addCallback((result) => totals.inputTokens.observe(result));
  meter
    .createObservableCounter(METRIC.USAGE_OUTPUT_TOKENS, {
      unit: '{token}',
      description: 'Output tokens, reasoning included',
    })
    .addCallback((result) => totals.outputTokens.observe(result));
}

/** The attribute sets one operation's metrics use. */
export interface MetricSets {
  key: string;
  base: Attributes;
  input: Attributes;
  output: Attributes;
  modal: Attributes;
}

/**
 * A counter kept in process and reported through an observable instrument: adding is a map update
 * instead of a synchronous record (which hashes its attribute set every time in the OTel JS SDK).
 */
class Totals {
  private readonly sums = new Map<string, { attrs: Attributes; value: number }>();

  add(key: string, attrs: Attributes, value: number): void {
    const entry = this.sums.get(key);
    if (entry === undefined) this.sums.set(key, { attrs, value });
    else entry.value += value;
  }

  observe(result: ObservableResult): void {
    for (const { attrs, value } of this.sums.values()) result.observe(value, attrs);
  }
}

function isResolved(o: PromptscopeConfig | ResolvedConfig): o is ResolvedConfig {
  return typeof (o as ResolvedConfig).contentMaxBytes === 'number' && Array.isArray((o as ResolvedConfig).prices);
}

function makePriceBook(config: ResolvedConfig): PriceBook {
  try {
    return new PriceBook({ prices: config.prices, pricesFile: config.pricesFile, warn: warnConfig });
  } catch (err) {
    // A broken price file must not take the app's telemetry down: keep the bundled prices and say so.
    warnConfig(`${errorMessage(err)} Continuing with the bundled prices and the overrides given in code.`);
    return new PriceBook({ prices: config.prices, warn: warnConfig });
  }
}

function warnConfig(message: string): void {
  process.emitWarning(message, { code: 'PROMPTSCOPE_CONFIG' });
}

function createInstruments(meter: Meter, provider: MeterProvider, t: Telemetry): Instruments {
  const names = t.names;
  const seconds = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  const latest = t.config.semconv === 'latest';
  const duration = seconds(names.metricDuration, 'Duration of GenAI client operations');
  const instruments: Instruments = {
    provider,
    duration,
    embeddingsDuration:
      names.metricEmbeddingsDuration === names.metricDuration
        ? duration
        : seconds(names.metricEmbeddingsDuration, 'Duration of embeddings operations'),
    ttfc: seconds(names.metricTimeToFirstChunk, 'Time from request issue to the first content chunk of a stream'),
    tpoc: seconds(
      names.metricTimePerOutputChunk,
      'Mean time between output chunks after the first, one sample per stream',
    ),
    tokenUsage: latest
      ? undefined
      : meter.createHistogram(METRIC.TOKEN_USAGE, {
          unit: '{token}',
          description: 'Tokens used per operation, by gen_ai.token.type',
          advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
        }),
    totals: totalsFor(meter, latest),
    segments: segmentGuardFor(provider),
    internalErrors: meter.createCounter(METRIC.INSTRUMENTATION_ERRORS, {
      unit: '{error}',
      description: 'Failures inside promptscope itself; the calls they happened in were not affected',
    }),
  };
  return instruments;
}

// Operations still open, so that one timer can end the ones nobody will ever finish (a stream never
// iterated) and shutdown can end the rest before the last flush.
// Shared through the global symbol registry: the ESM and CommonJS builds of core can both be loaded in one
// process (the register hook as ESM, an app's own `require`), and shutdown must see every open operation.
const OPEN_KEY = Symbol.for('promptscope.openOperations');
const registry = globalThis as unknown as Record<symbol, Set<Operation> | undefined>;
const open: Set<Operation> = registry[OPEN_KEY] ?? (registry[OPEN_KEY] = new Set<Operation>());
let sweeper: ReturnType<typeof setInterval> | undefined;
let sweepEveryMs = 0;

function track(op: Operation, timeoutMs: number): void {
  open.add(op);
  const every = Math.max(20, Math.min(30_000, Math.floor(timeoutMs / 4)));
  if (sweeper === undefined || every < sweepEveryMs) {
    if (sweeper !== undefined) clearInterval(sweeper);
    sweepEveryMs = every;
    sweeper = setInterval(sweep, every);
    sweeper.unref();
  }
}

function sweep(): void {
  const now = performance.now();
  for (const op of open) {
    if (now - op.lastActivity > op.telemetry.config.abandonTimeoutMs) op.end('abandoned');
  }
  if (open.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
    sweepEveryMs = 0;
  }
}

/**
 * Ends every operation still open (streams not yet finished or never consumed), marking them
 * `abandoned`. Call before the final flush at shutdown so their spans are exported.
 */
export function endOpenOperations(): number {
  const n = open.size;
  for (const op of [...open]) op.end('abandoned');
  return n;
}

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
    open.delete(this);
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
    const attrs = sets.base;
    const seconds = (endedAt - this.startedAt) / 1000;
    (this.request.operation === 'embeddings' ? m.embeddingsDuration : m.duration).record(seconds, attrs);
    if (this.request.stream && this.chunks > 0 && errType === undefined) {
      m.ttfc.record((this.firstChunkAt - this.startedAt) / 1000, attrs);
      if (this.chunks > 1) m.tpoc.record((this.lastChunkAt - this.firstChunkAt) / 1000 / (this.chunks - 1), attrs);
    }
    const usage = this.usage;
    if (usage === undefined) return;
    if (m.tokenUsage !== undefined) {
      if (usage.inputTokens !== undefined) m.tokenUsage.record(usage.inputTokens, sets.input);
      if (usage.outputTokens !== undefined) m.tokenUsage.record(usage.outputTokens, sets.output);
    } else {
      if (usage.inputTokens !== undefined) m.totals.inputTokens.add(sets.key, sets.modal, usage.inputTokens);
      if (usage.outputTokens !== undefined) m.totals.outputTokens.add(sets.key, sets.modal, usage.outputTokens);
    }
    const cost = this.cost();
    if (cost?.priced) m.totals.cost.add(sets.key, attrs, cost.totalUsd);
    else if (cost?.reason === 'unknown_model') m.totals.unpriced.add(sets.key, attrs, 1);
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
const INERT: Operation = Object.create(Operation.prototype, {
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
