/**
 * The OTel SDK for a test or replay run: the run's spans, and its run metrics (promptscope.eval.*), from
 * the OTEL_* variables, and only when an endpoint is set (a CI job without a collector stays quiet). The
 * provider calls of a run record no GenAI metrics (their instrumentation gets a no-op meter), so a run
 * never shows up as production traffic on the dashboards.
 */
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
