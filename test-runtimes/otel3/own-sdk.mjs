// The app's own OpenTelemetry SDK on the 3.x line (api 1.10), started before anything else:
// `node --import ./own-sdk.mjs [--import @promptscope/register] check.mjs <mode>`.
// In-memory exporters are shared with check.mjs through globalThis.

import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';

/** `metricProducers`: added to the app's reader (the `producer` mode adds promptscope's). */
export function startOwnSdk(instrumentations = [], metricProducers = []) {
  const spans = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: metrics are collected explicitly with forceFlush().
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 600_000,
    metricProducers,
  });
  const sdk = new NodeSDK({
    autoDetectResources: false,
    serviceName: 'otel3-fixture-app',
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    metricReaders: [reader],
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  return { sdk, spans, metricExporter, reader };
}

if (globalThis.__ownSdk === undefined && process.argv.includes('register')) {
  globalThis.__ownSdk = startOwnSdk();
}
