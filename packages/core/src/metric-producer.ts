/**
 * `promptscopeMetricProducer()`: the MetricProducer an app adds to its metric reader so promptscope's
 * operation histograms are aggregated in process (see histograms.ts) and read at collection time. The
 * register hook adds one to every reader it builds. It must exist before the first instrumented call: an
 * instrumentation records in process only when its instruments were created after a producer was.
 */
import { histogramRegistry, type InProcessHistogram, type Series } from './histograms.js';

export type Temporality = 'cumulative' | 'delta';

export interface PromptscopeMetricProducerOptions {
  /**
   * The reader's temporality for histograms (default cumulative, as the OTLP exporter's default). A delta
   * reader gets each interval's counts and sum; min and max are reported on cumulative points only.
   */
  temporality?: Temporality;
}

/** Structurally the SDK's `MetricProducer` (tested against sdk-metrics 2.x), without depending on the SDK. */
export interface PromptscopeMetricProducer {
  // biome-ignore lint/suspicious/noExplicitAny: assignable to the SDK's CollectionResult without importing its types
  collect(options?: { timeoutMillis?: number }): Promise<any>;
}

// The SDK's enum values (sdk-metrics DataPointType.HISTOGRAM, AggregationTemporality, ValueType.DOUBLE).
const HISTOGRAM = 0;
const DELTA = 0;
const CUMULATIVE = 1;
const DOUBLE = 1;

type HrTime = [number, number];

function hr(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

interface Reported {
  count: number;
  sum: number;
  counts: number[];
  atMs: number;
}

export function promptscopeMetricProducer(options: PromptscopeMetricProducerOptions = {}): PromptscopeMetricProducer {
  const registry = histogramRegistry();
  registry.producers++;
  const delta = options.temporality === 'delta';
  // Delta: what this producer reported last, per series (each reader has its own producer).
  const reported = new WeakMap<Series, Reported>();
  return {
    async collect() {
      const now = Date.now();
      const scopes = new Map<string, { scope: { name: string; version?: string }; metrics: unknown[] }>();
      for (const h of registry.histograms) {
        const points = delta ? deltaPoints(h, reported, now) : cumulativePoints(h, now);
        if (points.length === 0) continue;
        const id = `${h.scope.name}@${h.scope.version ?? ''}`;
        let entry = scopes.get(id);
        if (entry === undefined) {
          entry = { scope: { ...h.scope }, metrics: [] };
          scopes.set(id, entry);
        }
        const d = h.descriptor;
        entry.metrics.push({
          descriptor: {
            name: d.name,
            description: d.description,
            unit: d.unit,
            valueType: DOUBLE,
            advice: { explicitBucketBoundaries: [...d.boundaries] },
          },
          aggregationTemporality: delta ? DELTA : CUMULATIVE,
          dataPointType: HISTOGRAM,
          dataPoints: points,
        });
      }
      // The reader keeps its SDK's resource and ignores this one.
      return { resourceMetrics: { resource: { attributes: {} }, scopeMetrics: [...scopes.values()] }, errors: [] };
    },
  };
}

function cumulativePoints(h: InProcessHistogram, now: number): unknown[] {
  const points: unknown[] = [];
  for (const s of h.series.values()) {
    if (s.count === 0) continue;
    points.push({
      startTime: hr(s.startMs),
      endTime: hr(now),
      attributes: s.attrs,
      value: {
        buckets: { boundaries: [...h.descriptor.boundaries], counts: [...s.counts] },
        count: s.count,
        sum: s.sum,
        min: s.min,
        max: s.max,
      },
    });
  }
  return points;
}

function deltaPoints(h: InProcessHistogram, reported: WeakMap<Series, Reported>, now: number): unknown[] {
  const points: unknown[] = [];
  for (const s of h.series.values()) {
    const last = reported.get(s);
    const count = s.count - (last?.count ?? 0);
    if (count === 0) continue;
    points.push({
      startTime: hr(last?.atMs ?? s.startMs),
      endTime: hr(now),
      attributes: s.attrs,
      value: {
        buckets: {
          boundaries: [...h.descriptor.boundaries],
          counts: s.counts.map((c, i) => c - (last?.counts[i] ?? 0)),
        },
        count,
        sum: s.sum - (last?.sum ?? 0),
      },
    });
    reported.set(s, { count: s.count, sum: s.sum, counts: [...s.counts], atMs: now });
  }
  return points;
}
