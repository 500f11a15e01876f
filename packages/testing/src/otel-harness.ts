import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanLimits,
} from '@opentelemetry/sdk-trace-base';

export type ReadLogRecord = ReadableLogRecord;

export interface MetricPoint {
  attributes: Record<string, unknown>;
  /** A number for sums and gauges; `{ count, sum, min, max, buckets }` for histograms. */
  value: number | Histogram | ExponentialHistogram;
}

export interface OtelHarness {
  /** Finished spans, in end order. */
  spans(): ReadableSpan[];
  /** Collects now; cumulative values since creation or the last reset(). */
  metrics(): Promise<ResourceMetrics[]>;
  /** Collects now and returns the points of one metric. */
  metricPoints(name: string): Promise<MetricPoint[]>;
  logs(): ReadLogRecord[];
  /**
   * Everything recorded so far as one JSON string (spans with attributes, events, links, status, resource
   * and scope; metrics; log records), for privacy checks that no secret appears anywhere.
   */
  exported(): Promise<string>;
  /**
   * Forgets spans and logs and re-bases metrics so later reads only see what happens next. Await it
   * before recording again: the metric baseline is a collection, which is asynchronous.
   */
  reset(): Promise<void>;
  /** Shuts the providers down and, if they were registered, frees the OTel globals for another harness. */
  shutdown(): Promise<void>;
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  loggerProvider: LoggerProvider;
}

export interface OtelHarnessOptions {
  /** Install the providers, an AsyncLocalStorage context manager and W3C propagation as OTel globals (default true). */
  register?: boolean;
  spanLimits?: SpanLimits;
  resource?: Resource;
}

/** A MetricReader that only collects when asked, so tests decide when data is read. */
class ManualMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export function createOtelHarness(opts: OtelHarnessOptions = {}): OtelHarness {
  const register = opts.register ?? true;
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
    ...(opts.spanLimits ? { spanLimits: opts.spanLimits } : {}),
    ...(opts.resource ? { resource: opts.resource } : {}),
  });
  const reader = new ManualMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader], ...(opts.resource ? { resource: opts.resource } : {}) });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
    ...(opts.resource ? { resource: opts.resource } : {}),
  });

  if (register) registerGlobals(tracerProvider, meterProvider, loggerProvider);

  // Cumulative readers cannot be cleared, so reset() records a baseline that later reads subtract.
  let baseline: Map<string, MetricData['dataPoints'][number]> | undefined;
  let baselinePending: Promise<void> | undefined;

  const collect = async (): Promise<ResourceMetrics[]> => {
    await baselinePending;
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) {
      throw new Error(`metric collection failed: ${errors.map((e) => String(e)).join('; ')}`);
    }
    return [baseline ? subtractBaseline(resourceMetrics, baseline) : resourceMetrics];
  };

  let shutDown = false;
  return {
    tracerProvider,
    meterProvider,
    loggerProvider,
    spans: () => spanExporter.getFinishedSpans(),
    async exported() {
      const spans = spanExporter.getFinishedSpans().map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        links: s.links,
        status: s.status,
        resource: s.resource.attributes,
        scope: s.instrumentationScope,
      }));
      const logs = logExporter.getFinishedLogRecords().map((l) => ({
        body: l.body,
        attributes: l.attributes,
        resource: l.resource.attributes,
      }));
      return JSON.stringify({ spans, metrics: await collect(), logs });
    },
    metrics: collect,
    async metricPoints(name) {
      const points: MetricPoint[] = [];
      for (const rm of await collect()) {
        for (const sm of rm.scopeMetrics) {
          for (const metric of sm.metrics) {
            if (metric.descriptor.name !== name) continue;
            for (const dp of metric.dataPoints) points.push({ attributes: { ...dp.attributes }, value: dp.value });
          }
        }
      }
      return points;
    },
    logs: () => logExporter.getFinishedLogRecords(),
    reset() {
      spanExporter.reset();
      logExporter.reset();
      baselinePending = reader.collect().then(({ resourceMetrics }) => {
        baseline = indexPoints(resourceMetrics);
      });
      return baselinePending;
    },
    async shutdown() {
      if (shutDown) return;
      shutDown = true;
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
      if (register) {
        trace.disable();
        metrics.disable();
        logs.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
}

function registerGlobals(
  tracerProvider: BasicTracerProvider,
  meterProvider: MeterProvider,
  loggerProvider: LoggerProvider,
): void {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(contextManager)) {
    contextManager.disable();
    throw new Error(
      'createOtelHarness: an OpenTelemetry context manager is already registered. Await shutdown() of the previous harness, or pass { register: false }.',
    );
  }
  if (!trace.setGlobalTracerProvider(tracerProvider) || !metrics.setGlobalMeterProvider(meterProvider)) {
    trace.disable();
    metrics.disable();
    context.disable();
    throw new Error(
      'createOtelHarness: a global tracer or meter provider is already registered (another harness or SDK in this process). Await shutdown() of the previous harness, or pass { register: false }.',
    );
  }
  logs.setGlobalLoggerProvider(loggerProvider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

function pointKey(metricName: string, attributes: Record<string, unknown>): string {
  const sorted = Object.keys(attributes)
    .sort()
    .map((k) => [k, attributes[k]]);
  return `${metricName}\u0000${JSON.stringify(sorted)}`;
}

function indexPoints(rm: ResourceMetrics): Map<string, MetricData['dataPoints'][number]> {
  const index = new Map<string, MetricData['dataPoints'][number]>();
  for (const sm of rm.scopeMetrics) {
    for (const metric of sm.metrics) {
      for (const dp of metric.dataPoints) {
        index.set(`${sm.scope.name}\u0000${pointKey(metric.descriptor.name, dp.attributes)}`, dp);
      }
    }
  }
  return index;
}

/**
 * Returns `rm` with baseline values subtracted from sums and histograms and unchanged series dropped.
 * Histogram min/max cannot be un-merged and still cover pre-reset observations.
 */
function subtractBaseline(rm: ResourceMetrics, base: Map<string, MetricData['dataPoints'][number]>): ResourceMetrics {
  return {
    resource: rm.resource,
    scopeMetrics: rm.scopeMetrics
      .map((sm) => ({
        scope: sm.scope,
        metrics: sm.metrics
          .map((metric) => {
            const dataPoints = metric.dataPoints
              .map((dp) => {
                const before = base.get(`${sm.scope.name}\u0000${pointKey(metric.descriptor.name, dp.attributes)}`);
                if (!before) return dp;
                switch (metric.dataPointType) {
                  case DataPointType.SUM: {
                    const value = (dp.value as number) - (before.value as number);
                    return value === 0 ? undefined : { ...dp, value };
                  }
                  case DataPointType.HISTOGRAM: {
                    const now = dp.value as Histogram;
                    const then = before.value as Histogram;
                    const count = now.count - then.count;
                    if (count === 0) return undefined;
                    return {
                      ...dp,
                      value: {
                        ...now,
                        count,
                        sum: now.sum === undefined ? undefined : now.sum - (then.sum ?? 0),
                        buckets: {
                          boundaries: now.buckets.boundaries,
                          counts: now.buckets.counts.map((c, i) => c - (then.buckets.counts[i] ?? 0)),
                        },
                      },
                    };
                  }
                  case DataPointType.EXPONENTIAL_HISTOGRAM: {
                    const now = dp.value as Histogram;
                    const then = before.value as Histogram;
                    const count = now.count - then.count;
                    if (count === 0) return undefined;
                    return { ...dp, value: { ...now, count, sum: (now.sum ?? 0) - (then.sum ?? 0) } };
                  }
                  default:
                    return dp;
                }
              })
              .filter((dp) => dp !== undefined);
            return { ...metric, dataPoints } as MetricData;
          })
          .filter((metric) => metric.dataPoints.length > 0),
      }))
      .filter((sm) => sm.metrics.length > 0),
  };
}
