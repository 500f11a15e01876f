import { metrics, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  NodeSDK,
  type NodeSDKConfiguration,
  logs as sdkLogs,
  metrics as sdkMetrics,
  tracing as sdkTracing,
} from '@opentelemetry/sdk-node';
import { promptscopeMetricProducer } from '@promptscope/core';
import type { RegisterSettings } from './env.js';
import { type ExportGate, logExporter, metricExporter, traceExporter } from './exporters.js';

/** The registered tracer provider behind the API's proxy (the no-op one when none is registered). */
export function globalTracerProvider(): object {
  const proxy = trace.getTracerProvider() as { getDelegate?: () => object };
  return typeof proxy.getDelegate === 'function' ? proxy.getDelegate() : proxy;
}

/**
 * Whether an OpenTelemetry SDK is already registered globally: a real tracer provider behind the API's
 * proxy, or a meter provider that is not the no-op one. Works across copies of `@opentelemetry/api`
 * (the globals are shared by a symbol; we check behaviour and names, not identity).
 */
export function hasGlobalSdk(): boolean {
  if (globalTracerProvider().constructor?.name !== 'NoopTracerProvider') return true;
  const meterProvider = metrics.getMeterProvider() as object;
  return meterProvider.constructor?.name !== 'NoopMeterProvider';
}

/**
 * A NodeSDK with exporters we construct from the protocol. Left to NodeSDK (and its env handling):
 * the resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, process and host detectors), the sampler
 * (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), span limits, span batching (OTEL_BSP_*),
 * propagators (OTEL_PROPAGATORS) and OTEL_LOG_LEVEL. Log batching uses the SDK defaults: NodeSDK reads
 * OTEL_BLRP_* only for processors it builds itself, and its reader for them is not exported.
 */
export function buildSdk(
  settings: RegisterSettings,
  instrumentations: NodeSDKConfiguration['instrumentations'],
  gate?: ExportGate,
): NodeSDK {
  // Console exporters write synchronously, so they get simple processors: what a user debugging expects
  // (each span as it ends), and nothing left in a batch when the process exits.
  // Prometheus is pulled: its reader serves /metrics (OTEL_EXPORTER_PROMETHEUS_HOST, _PORT, default 9464)
  // and is scraped on its own schedule, so it has no export interval.
  // Each reader carries promptscope's MetricProducer: the operation histograms are aggregated in process
  // and read at collection, instead of hashing their attribute set in the SDK on every record.
  const metricReaders = settings.metrics.exporters.map((name) => {
    if (name === 'prometheus') return new PrometheusExporter({ metricProducers: [promptscopeMetricProducer()] });
    const exporter =
      name === 'console' ? new sdkMetrics.ConsoleMetricExporter() : metricExporter(settings.metrics.protocol, gate);
    const temporality =
      exporter.selectAggregationTemporality?.(sdkMetrics.InstrumentType.HISTOGRAM) ===
      sdkMetrics.AggregationTemporality.DELTA
        ? 'delta'
        : 'cumulative';
    return new sdkMetrics.PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: settings.metricExportIntervalMs,
      exportTimeoutMillis: settings.metricExportTimeoutMs,
      metricProducers: [promptscopeMetricProducer({ temporality })],
    });
  });
  const logRecordProcessors = settings.logs.exporters.map((name) =>
    name === 'console'
      ? new sdkLogs.SimpleLogRecordProcessor({ exporter: new sdkLogs.ConsoleLogRecordExporter() })
      : new sdkLogs.BatchLogRecordProcessor({ exporter: logExporter(settings.logs.protocol, gate) }),
  );
  const traces = settings.traces.exporters;
  // OTLP alone goes through NodeSDK's own span batching (it reads OTEL_BSP_*). Otherwise we build the
  // processors; an empty list (not undefined) keeps NodeSDK from building its own from OTEL_* variables.
  const spans =
    traces.length === 1 && traces[0] === 'otlp'
      ? { traceExporter: traceExporter(settings.traces.protocol, gate) }
      : {
          spanProcessors: traces.map((name) =>
            name === 'console'
              ? new sdkTracing.SimpleSpanProcessor(new sdkTracing.ConsoleSpanExporter())
              : new sdkTracing.BatchSpanProcessor(traceExporter(settings.traces.protocol, gate)),
          ),
        };
  return new NodeSDK({ ...spans, metricReaders, logRecordProcessors, instrumentations });
}
