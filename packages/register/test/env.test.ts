import { describe, expect, it } from 'vitest';
import { readSettings } from '../src/env.js';

function read(env: Record<string, string>) {
  const warnings: string[] = [];
  const settings = readSettings(env, (m) => warnings.push(m));
  return { settings, warnings };
}

describe('readSettings', () => {
  it('defaults', () => {
    const { settings, warnings } = read({});
    expect(warnings).toEqual([]);
    expect(settings).toEqual({
      disabled: false,
      sdk: 'auto',
      traces: { enabled: true, exporters: ['otlp'], protocol: 'http/protobuf' },
      metrics: { enabled: true, exporters: ['otlp'], protocol: 'http/protobuf' },
      logs: { enabled: true, exporters: ['otlp'], protocol: 'http/protobuf' },
      metricExportIntervalMs: 60_000,
      metricExportTimeoutMs: 30_000,
      shutdownTimeoutMs: 5_000,
    });
  });

  it('http/json, and per-signal protocols win over the generic one', () => {
    const { settings } = read({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
    });
    expect(settings.traces.protocol).toBe('http/json');
    expect(settings.metrics.protocol).toBe('http/protobuf');
    expect(settings.logs.protocol).toBe('http/json');
  });

  it('an unsupported protocol warns once, naming the variable and accepted values, and falls back', () => {
    const { settings, warnings } = read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(settings.traces.protocol).toBe('http/protobuf');
    expect(settings.logs.protocol).toBe('http/protobuf');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('OTEL_EXPORTER_OTLP_PROTOCOL="grpc"');
    expect(warnings[0]).toContain('http/protobuf, http/json');
  });

  it('OTEL_SDK_DISABLED: only true (any case) disables', () => {
    expect(read({ OTEL_SDK_DISABLED: 'TRUE' }).settings.disabled).toBe(true);
    expect(read({ OTEL_SDK_DISABLED: 'false' }).settings.disabled).toBe(false);
    const bad = read({ OTEL_SDK_DISABLED: 'yes' });
    expect(bad.settings.disabled).toBe(false);
    expect(bad.warnings[0]).toContain('OTEL_SDK_DISABLED');
  });

  it('metric interval; the export timeout never exceeds it', () => {
    const { settings } = read({ OTEL_METRIC_EXPORT_INTERVAL: '250' });
    expect(settings.metricExportIntervalMs).toBe(250);
    expect(settings.metricExportTimeoutMs).toBe(250);
    const bad = read({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' });
    expect(bad.settings.metricExportIntervalMs).toBe(60_000);
    expect(bad.warnings[0]).toContain('OTEL_METRIC_EXPORT_INTERVAL');
  });

  it('PROMPTSCOPE_SDK and PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS', () => {
    expect(read({ PROMPTSCOPE_SDK: 'off' }).settings.sdk).toBe('off');
    const bad = read({ PROMPTSCOPE_SDK: 'maybe', PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS: '-1' });
    expect(bad.settings.sdk).toBe('auto');
    expect(bad.settings.shutdownTimeoutMs).toBe(5_000);
    expect(bad.warnings).toHaveLength(2);
    expect(read({ PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS: '1500' }).settings.shutdownTimeoutMs).toBe(1500);
  });

  it('OTEL_<SIGNAL>_EXPORTER=none turns a signal off; an unknown sampler warns', () => {
    const { settings, warnings } = read({ OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_SAMPLER: 'sometimes' });
    expect(settings.logs.enabled).toBe(false);
    expect(settings.traces.enabled).toBe(true);
    expect(warnings[0]).toContain('OTEL_TRACES_SAMPLER="sometimes"');
  });

  it("OTEL_<SIGNAL>_EXPORTER takes the SDK's comma list: otlp, console, none", () => {
    const { settings, warnings } = read({
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_METRICS_EXPORTER: ' otlp , console ',
      OTEL_LOGS_EXPORTER: 'console,none',
    });
    expect(settings.traces.exporters).toEqual(['console']);
    expect(settings.metrics.exporters).toEqual(['otlp', 'console']);
    expect(settings.logs).toMatchObject({ enabled: false, exporters: [] });
    expect(warnings).toEqual([]);
  });

  it('an exporter register does not build is named in a warning and the others are kept', () => {
    const both = read({ OTEL_TRACES_EXPORTER: 'zipkin,console' });
    expect(both.settings.traces.exporters).toEqual(['console']);
    expect(both.warnings).toHaveLength(1);
    expect(both.warnings[0]).toContain('OTEL_TRACES_EXPORTER="zipkin,console"');
    expect(both.warnings[0]).toContain('not zipkin. Using console.');
    expect(both.warnings[0]).toContain('PROMPTSCOPE_SDK=off');
    const only = read({ OTEL_LOGS_EXPORTER: 'prometheus' });
    expect(only.settings.logs).toMatchObject({ enabled: true, exporters: ['otlp'] });
    expect(only.warnings[0]).toContain('builds otlp, console and none for logs, not prometheus. Using otlp.');
  });

  it('OTEL_METRICS_EXPORTER=prometheus is a pull endpoint for metrics, alone or beside otlp', () => {
    const alone = read({ OTEL_METRICS_EXPORTER: 'prometheus' });
    expect(alone.settings.metrics).toMatchObject({ enabled: true, exporters: ['prometheus'] });
    expect(alone.warnings).toEqual([]);
    expect(read({ OTEL_METRICS_EXPORTER: 'otlp,prometheus' }).settings.metrics.exporters).toEqual([
      'otlp',
      'prometheus',
    ]);
    const traces = read({ OTEL_TRACES_EXPORTER: 'prometheus' });
    expect(traces.settings.traces.exporters).toEqual(['otlp']);
    expect(traces.warnings[0]).toContain('not prometheus');
  });
});
