// Apart from the receiver: the OTLP/protobuf exporters take a third of a test file's import time, and
// only the privacy checks on the wire need them.
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Tracer and meter providers (not registered globally) that export OTLP/protobuf to `url`, e.g. a
 * receiver's: what an app's SDK would send, byte for byte, for tests that inspect the wire.
 */
export function otlpExportingProviders(url: string): {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
} {
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
  });
  const meterProvider = new MeterProvider({
    // Exports only when flushed: the test decides.
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics` }),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  return {
    tracerProvider,
    meterProvider,
    async flush() {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
