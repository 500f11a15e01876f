/**
 * The operation histograms (duration, time to first chunk, time per output chunk, token usage), recorded
 * either through the OTel SDK or, when the app's metric reader carries promptscope's MetricProducer, in
 * process. Why two ways: the SDK's `histogram.record(value, attributes)` sorts and JSON-stringifies the
 * attribute set on every call to find its accumulator (about a third of what promptscope added per call),
 * while an operation already holds the key of its attribute set, so in process a record is one map lookup,
 * a bucket search and four additions. The producer hands the reader the same data points, names, units,
 * descriptions and bucket boundaries at collection time; without one, nothing changes.
 */
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { processWide } from './process-wide.js';

/** The attribute sets of one combination, and the keys that name them (built once, see Telemetry.metricSets). */
export interface MetricSets {
  key: string;
  base: Attributes;
  input: Attributes;
  output: Attributes;
  modal: Attributes;
  inputKey: string;
  outputKey: string;
}

export type SetPart = 'base' | 'input' | 'output';

export interface OperationHistogram {
  record(value: number, sets: MetricSets, part?: SetPart): void;
}

export interface HistogramDescriptor {
  name: string;
  unit: string;
  description: string;
  boundaries: readonly number[];
}

/** Through the SDK: what every app without the producer gets. */
export function sdkHistogram(meter: Meter, d: HistogramDescriptor): OperationHistogram {
  const h: Histogram = meter.createHistogram(d.name, {
    unit: d.unit,
    description: d.description,
    advice: { explicitBucketBoundaries: [...d.boundaries] },
  });
  return { record: (value, sets, part = 'base') => h.record(value, sets[part]) };
}

/** One attribute set's accumulation, cumulative since `startMs`. */
export interface Series {
  attrs: Attributes;
  startMs: number;
  counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

// As the SDK's default cardinality limit: beyond it, new attribute sets are folded into one overflow series.
export const SERIES_LIMIT = 2000;
const OVERFLOW_KEY = '\u0000overflow';
const OVERFLOW_ATTRS: Attributes = Object.freeze({ 'otel.metric.overflow': true });

export class InProcessHistogram implements OperationHistogram {
  readonly series = new Map<string, Series>();

  constructor(
    readonly scope: { name: string; version?: string },
    readonly descriptor: HistogramDescriptor,
  ) {}

  record(value: number, sets: MetricSets, part: SetPart = 'base'): void {
    // The SDK ignores these too (a histogram takes no negative or NaN value).
    if (!(value >= 0)) return;
    const key = part === 'base' ? sets.key : part === 'input' ? sets.inputKey : sets.outputKey;
    let s = this.series.get(key);
    if (s === undefined) s = this.open(key, sets[part]);
    s.count++;
    s.sum += value;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
    s.counts[bucketOf(this.descriptor.boundaries, value)]++;
  }

  private open(key: string, attrs: Attributes): Series {
    let k = key;
    let a = attrs;
    if (this.series.size >= SERIES_LIMIT - 1) {
      k = OVERFLOW_KEY;
      a = OVERFLOW_ATTRS;
      const overflow = this.series.get(k);
      if (overflow !== undefined) return overflow;
    }
    const s: Series = {
      attrs: a,
      startMs: Date.now(),
      counts: new Array(this.descriptor.boundaries.length + 1).fill(0),
      count: 0,
      sum: 0,
      min: Number.POSITIVE_INFINITY,
      max: Number.NEGATIVE_INFINITY,
    };
    this.series.set(k, s);
    return s;
  }
}

/** The index of the bucket `(b[i-1], b[i]]` holding value, as the SDK counts (upper bounds inclusive). */
function bucketOf(b: readonly number[], value: number): number {
  let lo = 0;
  let hi = b.length - 1;
  let found = b.length;
  while (hi >= lo) {
    const mid = (lo + hi) >>> 1;
    if (b[mid] < value) lo = mid + 1;
    else {
      found = mid;
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * Every in-process histogram of the process, and how many producers were created (from the first one on,
 * new instruments on the global meter provider record in process). One per process, so that a producer
 * sees the histograms of both the ESM and the CommonJS build of core.
 */
export interface HistogramRegistry {
  producers: number;
  histograms: InProcessHistogram[];
}

export function histogramRegistry(): HistogramRegistry {
  return processWide<HistogramRegistry>('histograms', () => ({ producers: 0, histograms: [] }));
}

/**
 * The histograms of one scope: in process once a producer exists and the instrumentation records to the
 * global meter provider (the one whose readers carry the producers, as the register hook builds it);
 * through the SDK otherwise. An instrumentation given a meter provider of its own (an eval run's no-op
 * one, a second SDK) keeps its metrics there, out of the producer's.
 */
export function operationHistogram(
  meter: Meter,
  scope: { name: string; version?: string },
  d: HistogramDescriptor,
  global: boolean,
): OperationHistogram {
  const registry = histogramRegistry();
  if (registry.producers === 0 || !global) return sdkHistogram(meter, d);
  // One accumulation per (scope, name): several Telemetry instances on one scope share it.
  const found = registry.histograms.find(
    (h) => h.descriptor.name === d.name && h.scope.name === scope.name && h.scope.version === scope.version,
  );
  if (found !== undefined) return found;
  const h = new InProcessHistogram(scope, d);
  registry.histograms.push(h);
  return h;
}
