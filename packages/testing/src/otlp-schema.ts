import protobuf from 'protobufjs';

/*
 * The subset of opentelemetry-proto v1 (common, resource, trace, metrics, logs and the collector
 * service envelopes) that the receiver decodes, written from the public spec. Field names are the
 * lowerCamelCase JSON names, so protobuf-decoded and OTLP/JSON bodies share one object shape.
 */

type Fields = Record<string, { type: string; id: number; rule?: 'repeated' }>;
const msg = (fields: Fields, oneofs?: Record<string, string[]>) => ({
  fields,
  ...(oneofs ? { oneofs: Object.fromEntries(Object.entries(oneofs).map(([k, v]) => [k, { oneof: v }])) } : {}),
});
const repeated = (type: string, id: number) => ({ type, id, rule: 'repeated' as const });

const kv = (id: number) => repeated('opentelemetry.proto.common.v1.KeyValue', id);
const C = 'opentelemetry.proto.common.v1';
const R = 'opentelemetry.proto.resource.v1';
const T = 'opentelemetry.proto.trace.v1';
const M = 'opentelemetry.proto.metrics.v1';
const L = 'opentelemetry.proto.logs.v1';

const descriptor = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: {
              nested: {
                v1: {
                  nested: {
                    AnyValue: msg(
                      {
                        stringValue: { type: 'string', id: 1 },
                        boolValue: { type: 'bool', id: 2 },
                        intValue: { type: 'int64', id: 3 },
                        doubleValue: { type: 'double', id: 4 },
                        arrayValue: { type: `${C}.ArrayValue`, id: 5 },
                        kvlistValue: { type: `${C}.KeyValueList`, id: 6 },
                        bytesValue: { type: 'bytes', id: 7 },
                      },
                      {
                        value: [
                          'stringValue',
                          'boolValue',
                          'intValue',
                          'doubleValue',
                          'arrayValue',
                          'kvlistValue',
                          'bytesValue',
                        ],
                      },
                    ),
                    ArrayValue: msg({ values: repeated(`${C}.AnyValue`, 1) }),
                    KeyValueList: msg({ values: kv(1) }),
                    KeyValue: msg({ key: { type: 'string', id: 1 }, value: { type: `${C}.AnyValue`, id: 2 } }),
                    InstrumentationScope: msg({
                      name: { type: 'string', id: 1 },
                      version: { type: 'string', id: 2 },
                      attributes: kv(3),
                      droppedAttributesCount: { type: 'uint32', id: 4 },
                    }),
                  },
                },
              },
            },
            resource: {
              nested: {
                v1: {
                  nested: {
                    Resource: msg({ attributes: kv(1), droppedAttributesCount: { type: 'uint32', id: 2 } }),
                  },
                },
              },
            },
            trace: {
              nested: {
                v1: {
                  nested: {
                    TracesData: msg({ resourceSpans: repeated(`${T}.ResourceSpans`, 1) }),
                    ResourceSpans: msg({
                      resource: { type: `${R}.Resource`, id: 1 },
                      scopeSpans: repeated(`${T}.ScopeSpans`, 2),
                      schemaUrl: { type: 'string', id: 3 },
                    }),
                    ScopeSpans: msg({
                      scope: { type: `${C}.InstrumentationScope`, id: 1 },
                      spans: repeated(`${T}.Span`, 2),
                      schemaUrl: { type: 'string', id: 3 },
                    }),
                    Span: msg({
                      traceId: { type: 'bytes', id: 1 },
                      spanId: { type: 'bytes', id: 2 },
                      traceState: { type: 'string', id: 3 },
                      parentSpanId: { type: 'bytes', id: 4 },
                      flags: { type: 'fixed32', id: 16 },
                      name: { type: 'string', id: 5 },
                      kind: { type: 'int32', id: 6 },
                      startTimeUnixNano: { type: 'fixed64', id: 7 },
                      endTimeUnixNano: { type: 'fixed64', id: 8 },
                      attributes: kv(9),
                      droppedAttributesCount: { type: 'uint32', id: 10 },
                      events: repeated(`${T}.Span.Event`, 11),
                      droppedEventsCount: { type: 'uint32', id: 12 },
                      links: repeated(`${T}.Span.Link`, 13),
                      droppedLinksCount: { type: 'uint32', id: 14 },
                      status: { type: `${T}.Status`, id: 15 },
                    }),
                    Status: msg({ message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } }),
                  },
                },
              },
            },
            metrics: {
              nested: {
                v1: {
                  nested: {
                    ResourceMetrics: msg({
                      resource: { type: `${R}.Resource`, id: 1 },
                      scopeMetrics: repeated(`${M}.ScopeMetrics`, 2),
                      schemaUrl: { type: 'string', id: 3 },
                    }),
                    ScopeMetrics: msg({
                      scope: { type: `${C}.InstrumentationScope`, id: 1 },
                      metrics: repeated(`${M}.Metric`, 2),
                      schemaUrl: { type: 'string', id: 3 },
                    }),
                    Metric: msg(
                      {
                        name: { type: 'string', id: 1 },
                        description: { type: 'string', id: 2 },
                        unit: { type: 'string', id: 3 },
                        gauge: { type: `${M}.Gauge`, id: 5 },
                        sum: { type: `${M}.Sum`, id: 7 },
                        histogram: { type: `${M}.Histogram`, id: 9 },
                        exponentialHistogram: { type: `${M}.ExponentialHistogram`, id: 10 },
                        metadata: kv(12),
                      },
                      { data: ['gauge', 'sum', 'histogram', 'exponentialHistogram'] },
                    ),
                    Gauge: msg({ dataPoints: repeated(`${M}.NumberDataPoint`, 1) }),
                    Sum: msg({
                      dataPoints: repeated(`${M}.NumberDataPoint`, 1),
                      aggregationTemporality: { type: 'int32', id: 2 },
                      isMonotonic: { type: 'bool', id: 3 },
                    }),
                    Histogram: msg({
                      dataPoints: repeated(`${M}.HistogramDataPoint`, 1),
                      aggregationTemporality: { type: 'int32', id: 2 },
                    }),
                    ExponentialHistogram: msg({
                      dataPoints: repeated(`${M}.ExponentialHistogramDataPoint`, 1),
                      aggregationTemporality: { type: 'int32', id: 2 },
                    }),
                    NumberDataPoint: msg(
                      {
                        attributes: kv(7),
                        startTimeUnixNano: { type: 'fixed64', id: 2 },
                        timeUnixNano: { type: 'fixed64', id: 3 },
                        asDouble: { type: 'double', id: 4 },
                        asInt: { type: 'sfixed64', id: 6 },
                        flags: { type: 'uint32', id: 8 },
                      },
                      { value: ['asDouble', 'asInt'] },
                    ),
                    HistogramDataPoint: msg(
                      {
                        attributes: kv(9),
                        startTimeUnixNano: { type: 'fixed64', id: 2 },
                        timeUnixNano: { type: 'fixed64', id: 3 },
                        count: { type: 'fixed64', id: 4 },
                        sum: { type: 'double', id: 5 },
                        bucketCounts: repeated('fixed64', 6),
                        explicitBounds: repeated('double', 7),
                        flags: { type: 'uint32', id: 10 },
                        min: { type: 'double', id: 11 },
                        max: { type: 'double', id: 12 },
                      },
                      // proto3 `optional` fields are synthetic oneofs; this keeps "absent" distinct from 0.
                      { _sum: ['sum'], _min: ['min'], _max: ['max'] },
                    ),
                    ExponentialHistogramDataPoint: msg(
                      {
                        attributes: kv(1),
                        startTimeUnixNano: { type: 'fixed64', id: 2 },
                        timeUnixNano: { type: 'fixed64', id: 3 },
                        count: { type: 'fixed64', id: 4 },
                        sum: { type: 'double', id: 5 },
                        scale: { type: 'sint32', id: 6 },
                        zeroCount: { type: 'fixed64', id: 7 },
                        positive: { type: `${M}.ExponentialHistogramDataPoint.Buckets`, id: 8 },
                        negative: { type: `${M}.ExponentialHistogramDataPoint.Buckets`, id: 9 },
                        flags: { type: 'uint32', id: 10 },
                        min: { type: 'double', id: 12 },
                        max: { type: 'double', id: 13 },
                        zeroThreshold: { type: 'double', id: 14 },
                      },
                      { _sum: ['sum'], _min: ['min'], _max: ['max'] },
                    ),
                  },
                },
              },
            },
            logs: {
              nested: {
                v1: {
                  nested: {
                    ResourceLogs: msg({
                      resource: { type: `${R}.Resource`, id: 1 },
                      scopeLogs: repeated(`${L}.ScopeLogs`, 2),
                      schemaUrl: { type: 'string', id: 3 },
                    }),
                    ScopeLogs: msg({
                      scope: { type: `${C}.InstrumentationScope`, id: 1 },
                      logRecords: repeated(`${L}.LogRecord`, 2),
                      schemaUrl: { type: 'string', id: 3 },
                    }),
                    LogRecord: msg({
                      timeUnixNano: { type: 'fixed64', id: 1 },
                      observedTimeUnixNano: { type: 'fixed64', id: 11 },
                      severityNumber: { type: 'int32', id: 2 },
                      severityText: { type: 'string', id: 3 },
                      body: { type: `${C}.AnyValue`, id: 5 },
                      attributes: kv(6),
                      droppedAttributesCount: { type: 'uint32', id: 7 },
                      flags: { type: 'fixed32', id: 8 },
                      traceId: { type: 'bytes', id: 9 },
                      spanId: { type: 'bytes', id: 10 },
                      eventName: { type: 'string', id: 12 },
                    }),
                  },
                },
              },
            },
            collector: {
              nested: {
                trace: {
                  nested: {
                    v1: {
                      nested: {
                        ExportTraceServiceRequest: msg({ resourceSpans: repeated(`${T}.ResourceSpans`, 1) }),
                        ExportTraceServiceResponse: msg({}),
                      },
                    },
                  },
                },
                metrics: {
                  nested: {
                    v1: {
                      nested: {
                        ExportMetricsServiceRequest: msg({ resourceMetrics: repeated(`${M}.ResourceMetrics`, 1) }),
                        ExportMetricsServiceResponse: msg({}),
                      },
                    },
                  },
                },
                logs: {
                  nested: {
                    v1: {
                      nested: {
                        ExportLogsServiceRequest: msg({ resourceLogs: repeated(`${L}.ResourceLogs`, 1) }),
                        ExportLogsServiceResponse: msg({}),
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

// The span's nested Event/Link messages live under Span, as in trace.proto.
Object.assign(descriptor.nested.opentelemetry.nested.proto.nested.trace.nested.v1.nested.Span as { nested?: unknown }, {
  nested: {
    Event: msg({
      timeUnixNano: { type: 'fixed64', id: 1 },
      name: { type: 'string', id: 2 },
      attributes: kv(3),
      droppedAttributesCount: { type: 'uint32', id: 4 },
    }),
    Link: msg({
      traceId: { type: 'bytes', id: 1 },
      spanId: { type: 'bytes', id: 2 },
      traceState: { type: 'string', id: 3 },
      attributes: kv(4),
      droppedAttributesCount: { type: 'uint32', id: 5 },
      flags: { type: 'fixed32', id: 6 },
    }),
  },
});
Object.assign(
  descriptor.nested.opentelemetry.nested.proto.nested.metrics.nested.v1.nested.ExponentialHistogramDataPoint as {
    nested?: unknown;
  },
  {
    nested: {
      Buckets: msg({ offset: { type: 'sint32', id: 1 }, bucketCounts: repeated('uint64', 2) }),
    },
  },
);

export const otlpRoot = protobuf.Root.fromJSON(descriptor);

export type OtlpSignal = 'traces' | 'metrics' | 'logs';

const SERVICE: Record<OtlpSignal, { request: string; response: string }> = {
  traces: {
    request: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    response: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  },
  metrics: {
    request: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    response: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  },
  logs: {
    request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    response: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  },
};

export function requestType(signal: OtlpSignal): protobuf.Type {
  return otlpRoot.lookupType(SERVICE[signal].request);
}

export function responseType(signal: OtlpSignal): protobuf.Type {
  return otlpRoot.lookupType(SERVICE[signal].response);
}

/**
 * Decodes a protobuf export request into the OTLP/JSON object shape, except that bytes fields
 * come out base64 (JSON uses hex for ids); the flattener normalizes both.
 */
export function decodeProtobuf(signal: OtlpSignal, body: Uint8Array): unknown {
  const type = requestType(signal);
  return type.toObject(type.decode(body), { longs: String, bytes: String, enums: Number, defaults: false });
}
