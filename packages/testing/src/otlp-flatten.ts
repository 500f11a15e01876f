/*
 * Normalizes OTLP export requests, protobuf-decoded or OTLP/JSON, into flat records that tests can
 * assert on: ids as lowercase hex, int64 and timestamps as numbers, attributes as plain objects.
 */

export interface FlatSpan {
  traceId: string;
  spanId: string;
  /** Undefined for root spans. */
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  /** Nanoseconds since the epoch as a number (rounded to ~256 ns by float precision). */
  startTimeUnixNano: number;
  endTimeUnixNano: number;
  events: { name: string; timeUnixNano: number; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
  scope: string;
}

export interface FlatMetricPoint {
  attributes: Record<string, unknown>;
  startTimeUnixNano: number;
  timeUnixNano: number;
  /** Sums and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

export interface FlatMetric {
  name: string;
  unit: string;
  description: string;
  type: 'histogram' | 'sum' | 'gauge' | 'exponential_histogram';
  /** OTLP AggregationTemporality: 1 delta, 2 cumulative (sums and histograms). */
  temporality?: number;
  isMonotonic?: boolean;
  points: FlatMetricPoint[];
  resource: Record<string, unknown>;
  scope: string;
}

export interface FlatLog {
  eventName?: string;
  body: unknown;
  attributes: Record<string, unknown>;
  traceId: string | undefined;
  spanId: string | undefined;
  severityNumber: number;
  severityText?: string;
  timeUnixNano: number;
  resource: Record<string, unknown>;
  scope: string;
}

/*
 * The OTLP/JSON request shapes as they arrive (every field optional, int64 as string or number).
 * Protobuf requests are decoded into the same shape by otlp-schema.ts.
 */
type Int64 = string | number;
interface KeyValueIn {
  key: string;
  value?: AnyValueIn;
}
interface AnyValueIn {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: Int64;
  arrayValue?: { values?: AnyValueIn[] };
  kvlistValue?: { values?: KeyValueIn[] };
  bytesValue?: string;
}
interface ResourceIn {
  resource?: { attributes?: KeyValueIn[] };
}
interface ScopeIn {
  scope?: { name?: string };
}
interface SpanIn {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValueIn[];
  events?: { name?: string; timeUnixNano?: Int64; attributes?: KeyValueIn[] }[];
  links?: { traceId?: string; spanId?: string; attributes?: KeyValueIn[] }[];
  status?: { code?: number; message?: string };
}
interface PointIn {
  attributes?: KeyValueIn[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asInt?: Int64;
  asDouble?: Int64;
  count?: Int64;
  sum?: Int64;
  min?: Int64;
  max?: Int64;
  bucketCounts?: Int64[];
  explicitBounds?: Int64[];
}
interface MetricIn {
  name?: string;
  unit?: string;
  description?: string;
  gauge?: { dataPoints?: PointIn[] };
  sum?: { dataPoints?: PointIn[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: PointIn[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: PointIn[]; aggregationTemporality?: number };
}
interface LogRecordIn {
  eventName?: string;
  body?: AnyValueIn;
  attributes?: KeyValueIn[];
  traceId?: string;
  spanId?: string;
  severityNumber?: number;
  severityText?: string;
  timeUnixNano?: Int64;
}
export interface TracesRequestIn {
  resourceSpans?: (ResourceIn & { scopeSpans?: (ScopeIn & { spans?: SpanIn[] })[] })[];
}
export interface MetricsRequestIn {
  resourceMetrics?: (ResourceIn & { scopeMetrics?: (ScopeIn & { metrics?: MetricIn[] })[] })[];
}
export interface LogsRequestIn {
  resourceLogs?: (ResourceIn & { scopeLogs?: (ScopeIn & { logRecords?: LogRecordIn[] })[] })[];
}

/** How the bytes fields of a decoded request are spelled: base64 from protobuf, hex in OTLP/JSON. */
export type IdEncoding = 'base64' | 'hex';

function id(value: unknown, encoding: IdEncoding): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const hex = encoding === 'hex' ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
  // An all-zero id is OTLP's "no id" (e.g. a log emitted outside any span).
  return /^0*$/.test(hex) ? undefined : hex;
}

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return 0;
}

function optionalNum(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : num(value);
}

export function anyValue(value: AnyValueIn | undefined): unknown {
  if (value === null || value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return num(value.intValue);
  if ('doubleValue' in value) return num(value.doubleValue);
  if ('arrayValue' in value) return (value.arrayValue?.values ?? []).map(anyValue);
  if ('kvlistValue' in value) return attributes(value.kvlistValue?.values);
  if ('bytesValue' in value) return Buffer.from(value.bytesValue ?? '', 'base64');
  return undefined;
}

export function attributes(list: KeyValueIn[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of list ?? []) out[entry.key] = anyValue(entry.value);
  return out;
}

export function flattenSpans(request: TracesRequestIn, encoding: IdEncoding): FlatSpan[] {
  const out: FlatSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = ss.scope?.name ?? '';
      for (const span of ss.spans ?? []) {
        out.push({
          traceId: id(span.traceId, encoding) ?? '',
          spanId: id(span.spanId, encoding) ?? '',
          parentSpanId: id(span.parentSpanId, encoding),
          name: span.name ?? '',
          kind: num(span.kind),
          attributes: attributes(span.attributes),
          status: { code: num(span.status?.code), message: span.status?.message ?? '' },
          startTimeUnixNano: num(span.startTimeUnixNano),
          endTimeUnixNano: num(span.endTimeUnixNano),
          events: (span.events ?? []).map((e) => ({
            name: e.name ?? '',
            timeUnixNano: num(e.timeUnixNano),
            attributes: attributes(e.attributes),
          })),
          links: (span.links ?? []).map((l) => ({
            traceId: id(l.traceId, encoding) ?? '',
            spanId: id(l.spanId, encoding) ?? '',
            attributes: attributes(l.attributes),
          })),
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

function numberPoint(dp: PointIn): FlatMetricPoint {
  return {
    attributes: attributes(dp.attributes),
    startTimeUnixNano: num(dp.startTimeUnixNano),
    timeUnixNano: num(dp.timeUnixNano),
    value: dp.asInt !== undefined ? num(dp.asInt) : num(dp.asDouble),
  };
}

function histogramPoint(dp: PointIn): FlatMetricPoint {
  return {
    attributes: attributes(dp.attributes),
    startTimeUnixNano: num(dp.startTimeUnixNano),
    timeUnixNano: num(dp.timeUnixNano),
    count: num(dp.count),
    sum: optionalNum(dp.sum),
    min: optionalNum(dp.min),
    max: optionalNum(dp.max),
    bucketCounts: (dp.bucketCounts ?? []).map(num),
    explicitBounds: (dp.explicitBounds ?? []).map(num),
  };
}

export function flattenMetrics(request: MetricsRequestIn): FlatMetric[] {
  const out: FlatMetric[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    const resource = attributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = sm.scope?.name ?? '';
      for (const metric of sm.metrics ?? []) {
        const base = {
          name: metric.name ?? '',
          unit: metric.unit ?? '',
          description: metric.description ?? '',
          resource,
          scope,
        };
        if (metric.histogram) {
          out.push({
            ...base,
            type: 'histogram',
            temporality: num(metric.histogram.aggregationTemporality),
            points: (metric.histogram.dataPoints ?? []).map(histogramPoint),
          });
        } else if (metric.sum) {
          out.push({
            ...base,
            type: 'sum',
            temporality: num(metric.sum.aggregationTemporality),
            isMonotonic: metric.sum.isMonotonic === true,
            points: (metric.sum.dataPoints ?? []).map(numberPoint),
          });
        } else if (metric.gauge) {
          out.push({ ...base, type: 'gauge', points: (metric.gauge.dataPoints ?? []).map(numberPoint) });
        } else if (metric.exponentialHistogram) {
          out.push({
            ...base,
            type: 'exponential_histogram',
            temporality: num(metric.exponentialHistogram.aggregationTemporality),
            points: (metric.exponentialHistogram.dataPoints ?? []).map((dp) => ({
              attributes: attributes(dp.attributes),
              startTimeUnixNano: num(dp.startTimeUnixNano),
              timeUnixNano: num(dp.timeUnixNano),
              count: num(dp.count),
              sum: optionalNum(dp.sum),
              min: optionalNum(dp.min),
              max: optionalNum(dp.max),
            })),
          });
        }
      }
    }
  }
  return out;
}

export function flattenLogs(request: LogsRequestIn, encoding: IdEncoding): FlatLog[] {
  const out: FlatLog[] = [];
  for (const rl of request.resourceLogs ?? []) {
    const resource = attributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = sl.scope?.name ?? '';
      for (const record of sl.logRecords ?? []) {
        out.push({
          ...(record.eventName ? { eventName: record.eventName } : {}),
          body: anyValue(record.body),
          attributes: attributes(record.attributes),
          traceId: id(record.traceId, encoding),
          spanId: id(record.spanId, encoding),
          severityNumber: num(record.severityNumber),
          ...(record.severityText ? { severityText: record.severityText } : {}),
          timeUnixNano: num(record.timeUnixNano),
          resource,
          scope,
        });
      }
    }
  }
  return out;
}
