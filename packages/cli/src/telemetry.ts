/**
 * The OTel SDK for a test or replay run: the run's spans, and its run metrics (promptscope.eval.*), from
 * the OTEL_* variables, and only when an endpoint is set (a CI job without a collector stays quiet). The
 * provider calls of a run record no GenAI metrics (their instrumentation gets a no-op meter), so a run
 * never shows up as production traffic on the dashboards.
 *
 * Each run is its own service instance (a random service.instance.id, the `instance` label in Prometheus)
 * unless the user names one: a run exports its counters once, at its end, so each run is one series and a
 * dashboard sums runs with max_over_time, never increase() (which needs two samples of one process).
 */
import { randomUUID } from 'node:crypto';
import type { Io } from './io.js';

export interface RunTelemetry {
  exported: boolean;
  shutdown(): Promise<void>;
}

export async function startTelemetry(io: Io, o: { service: string; metrics: boolean }): Promise<RunTelemetry> {
  const env = io.env;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
    return { exported: false, shutdown: async () => {} };
  // NodeSDK reads the service name from process.env.
  if (!process.env.OTEL_SERVICE_NAME) process.env.OTEL_SERVICE_NAME = env.OTEL_SERVICE_NAME || o.service;
  const attrs = env.OTEL_RESOURCE_ATTRIBUTES ?? process.env.OTEL_RESOURCE_ATTRIBUTES ?? '';
  if (!/(^|,)\s*service\.instance\.id=/.test(attrs))
    process.env.OTEL_RESOURCE_ATTRIBUTES = [attrs, `service.instance.id=${randomUUID()}`].filter(Boolean).join(',');
  const { start } = await import('@promptscope/register/api');
  const registration = start({
    exitHandlers: false,
    env: {
      ...env,
      ...(o.metrics ? {} : { OTEL_METRICS_EXPORTER: 'none' }),
      OTEL_LOGS_EXPORTER: 'none',
    },
  });
  return { exported: registration.mode !== 'disabled', shutdown: () => registration.shutdown() };
}
