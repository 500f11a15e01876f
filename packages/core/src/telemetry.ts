/**
 * What one instrumentation holds: its resolved configuration, names, prices, tracer and instruments (both
 * following the global providers until set), and the metric attribute sets it reuses across calls.
 */
import {
  type Attributes,
  type Context,
  context,
  type MeterProvider,
  metrics,
  type Span,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { PromptscopeConfig, ResolvedConfig } from './config.js';
import { resolveConfig } from './config.js';
import { PriceBook } from './cost.js';
import { errorMessage, logInternalError } from './errors.js';
import type { MetricSets } from './histograms.js';
import { createInstruments, type Instruments } from './instruments.js';
import { ATTR, SCOPE_NAME, type SemconvNames, semconvNames } from './names.js';
import { INERT, Operation, type OperationRequest } from './operation.js';

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
  // Traffic repeats one combination far more often than not: the last one is checked field by field
  // (a handful of string comparisons) before a key is built and looked up.
  private lastSets: { fields: readonly (string | undefined)[]; sets: MetricSets } | undefined;

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
      this.instrumentsCache = createInstruments(provider.getMeter(this.scopeName, this.scopeVersion), provider, this, {
        name: this.scopeName,
        version: this.scopeVersion,
      });
      this.attributeSets.clear();
      this.lastSets = undefined;
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
    const last = this.lastSets;
    if (last !== undefined) {
      const f = last.fields;
      if (
        f[0] === r.provider &&
        f[1] === r.operation &&
        f[2] === r.model &&
        f[3] === op.responseModel &&
        f[4] === errorTypeValue &&
        f[5] === prompt?.name &&
        f[6] === prompt?.version &&
        f[7] === segment
      ) {
        return last.sets;
      }
    }
    const fields = [
      r.provider,
      r.operation,
      r.model,
      op.responseModel,
      errorTypeValue,
      prompt?.name,
      prompt?.version,
      segment,
    ] as const;
    const key = fields.map((v) => v ?? '').join('\u0000');
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
        inputKey: `${key}\u0000input`,
        outputKey: `${key}\u0000output`,
      };
      // Model names come from callers and providers; bound the cache so they cannot grow memory forever.
      if (this.attributeSets.size >= MAX_ATTRIBUTE_SETS) this.attributeSets.clear();
      this.attributeSets.set(key, sets);
    }
    this.lastSets = { fields, sets };
    return sets;
  }
}

export type { MetricSets } from './histograms.js';

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
