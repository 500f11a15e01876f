/**
 * The metric instruments of one meter, and what makes them cheap: counters kept as in-process sums and
 * reported through observable instruments (one callback per meter, shared by every Telemetry on it), and
 * the cardinality guard of the segment label, one per meter provider.
 */
import {
  type Attributes,
  type Counter,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableResult,
} from '@opentelemetry/api';
import type { ResolvedConfig } from './config.js';
import { type OperationHistogram, operationHistogram } from './histograms.js';
import { DURATION_BUCKETS, METRIC, SCOPE_NAME, SEGMENT_OTHER, type SemconvNames, TOKEN_BUCKETS } from './names.js';

export interface Instruments {
  provider: MeterProvider;
  duration: OperationHistogram;
  embeddingsDuration: OperationHistogram;
  ttfc: OperationHistogram;
  tpoc: OperationHistogram;
  tokenUsage: OperationHistogram | undefined;
  internalErrors: Counter;
  totals: MeterTotals;
  segments: SegmentGuard;
}

/**
 * The cardinality guard of `promptscope.user.segment` on metrics, one per meter provider (so every
 * promptscope instrumentation in the process shares it): the first `limit` distinct segments keep their value, later
 * new ones become `other`, and `promptscope.segment.overflow` counts the operations folded that way.
 */
export class SegmentGuard {
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
export interface MeterTotals {
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

/**
 * A counter kept in process and reported through an observable instrument: adding is a map update
 * instead of a synchronous record (which hashes its attribute set every time in the OTel JS SDK).
 */
export class Totals {
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

export function createInstruments(
  meter: Meter,
  provider: MeterProvider,
  t: { names: SemconvNames; config: ResolvedConfig },
  scope: { name: string; version?: string },
): Instruments {
  const names = t.names;
  const global = provider === metrics.getMeterProvider();
  const seconds = (name: string, description: string): OperationHistogram =>
    operationHistogram(meter, scope, { name, unit: 's', description, boundaries: DURATION_BUCKETS }, global);
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
      : operationHistogram(
          meter,
          scope,
          {
            name: METRIC.TOKEN_USAGE,
            unit: '{token}',
            description: 'Tokens used per operation, by gen_ai.token.type',
            boundaries: TOKEN_BUCKETS,
          },
          global,
        ),
    totals: totalsFor(meter, latest),
    segments: segmentGuardFor(provider),
    internalErrors: meter.createCounter(METRIC.INSTRUMENTATION_ERRORS, {
      unit: '{error}',
      description: 'Failures inside promptscope itself; the calls they happened in were not affected',
    }),
  };
  return instruments;
}
