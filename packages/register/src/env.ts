/**
 * Reads the environment into plain settings. No side effects: every decision the entry makes is visible
 * (and testable) here. A bad value warns, naming the variable and what is accepted, and falls back: a
 * typo in telemetry configuration must not stop the app.
 */

export type Env = Record<string, string | undefined>;
export type Warn = (message: string) => void;

export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type Signal = 'traces' | 'metrics' | 'logs';

export const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** Variables read by register itself (the OTLP exporters also read endpoint, headers, timeout, compression). */
export const REGISTER_ENV = {
  SDK_DISABLED: 'OTEL_SDK_DISABLED',
  PROTOCOL: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  METRIC_EXPORT_INTERVAL: 'OTEL_METRIC_EXPORT_INTERVAL',
  METRIC_EXPORT_TIMEOUT: 'OTEL_METRIC_EXPORT_TIMEOUT',
  TRACES_SAMPLER: 'OTEL_TRACES_SAMPLER',
  SDK_MODE: 'PROMPTSCOPE_SDK',
  SHUTDOWN_TIMEOUT_MS: 'PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS',
} as const;

const SIGNAL_ENV: Record<Signal, string> = { traces: 'TRACES', metrics: 'METRICS', logs: 'LOGS' };

/** `auto`: start an SDK unless one is already registered; `off`: never start one, only instrument. */
export type SdkMode = 'auto' | 'off';

/** The exporter names of OTEL_<SIGNAL>_EXPORTER that register builds; `prometheus` is for metrics only. */
export type ExporterName = 'otlp' | 'console' | 'prometheus';
const EXPORTER_NAMES: Record<Signal, readonly ExporterName[]> = {
  traces: ['otlp', 'console'],
  metrics: ['otlp', 'console', 'prometheus'],
  logs: ['otlp', 'console'],
};

export interface SignalSettings {
  /** false when OTEL_<SIGNAL>_EXPORTER=none. */
  enabled: boolean;
  /** Every exporter the signal goes to, in the order given (empty when disabled). */
  exporters: ExporterName[];
  protocol: OtlpProtocol;
}

export interface RegisterSettings {
  /** OTEL_SDK_DISABLED=true: no SDK and no patching at all. */
  disabled: boolean;
  sdk: SdkMode;
  traces: SignalSettings;
  metrics: SignalSettings;
  logs: SignalSettings;
  metricExportIntervalMs: number;
  metricExportTimeoutMs: number;
  /** One deadline for the whole shutdown (ending open operations, flushing and shutting down). */
  shutdownTimeoutMs: number;
}

export const REGISTER_DEFAULTS = {
  protocol: 'http/protobuf' as OtlpProtocol,
  metricExportIntervalMs: 60_000,
  metricExportTimeoutMs: 30_000,
  shutdownTimeoutMs: 5_000,
} as const;

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

function raw(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** The spec's boolean: only a case-insensitive `true` is true. */
function envTrue(env: Env, name: string, warn: Warn): boolean {
  const v = raw(env, name)?.toLowerCase();
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  warn(`${name}=${JSON.stringify(env[name])} is not understood; use true or false. Using false.`);
  return false;
}

function envMillis(env: Env, name: string, fallback: number, warn: Warn, allowZero = false): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (Number.isFinite(n) && (allowZero ? n >= 0 : n > 0)) return Math.floor(n);
  warn(`${name}=${JSON.stringify(env[name])} must be a positive number of milliseconds. Using ${fallback}.`);
  return fallback;
}

function protocolFor(env: Env, signal: Signal, warn: Warn): OtlpProtocol {
  for (const name of [`OTEL_EXPORTER_OTLP_${SIGNAL_ENV[signal]}_PROTOCOL`, REGISTER_ENV.PROTOCOL]) {
    const v = raw(env, name);
    if (v === undefined) continue;
    if ((PROTOCOLS as readonly string[]).includes(v)) return v as OtlpProtocol;
    warn(
      `${name}=${JSON.stringify(env[name])} is not supported by @promptscope/register; ` +
        `accepted values: ${PROTOCOLS.join(', ')}. Using ${REGISTER_DEFAULTS.protocol}.`,
    );
    return REGISTER_DEFAULTS.protocol;
  }
  return REGISTER_DEFAULTS.protocol;
}

/**
 * OTEL_<SIGNAL>_EXPORTER as the OTel SDK reads it: a comma list of otlp, console, none and, for metrics,
 * prometheus (a pull endpoint, OTEL_EXPORTER_PROMETHEUS_HOST and _PORT). Other values the specification
 * names (zipkin) need exporters register does not bundle; they are skipped with a warning that says how to
 * get them, and the signal keeps its other exporters (otlp when none is left).
 */
function exportersFor(env: Env, signal: Signal, warn: Warn): ExporterName[] {
  const name = `OTEL_${SIGNAL_ENV[signal]}_EXPORTER`;
  const v = raw(env, name);
  if (v === undefined) return ['otlp'];
  const list = v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (list.includes('none')) return [];
  const names = EXPORTER_NAMES[signal] as readonly string[];
  const known = [...new Set(list.filter((s): s is ExporterName => names.includes(s)))];
  const unknown = list.filter((s) => !names.includes(s));
  if (unknown.length > 0) {
    const using = known.length > 0 ? known : ['otlp'];
    warn(
      `${name}=${JSON.stringify(env[name])}: @promptscope/register builds ${names.join(', ')} and none for ${signal}, not ` +
        `${unknown.join(', ')}. Using ${using.join(', ')}. For another exporter, start your own OpenTelemetry SDK ` +
        'with it and set PROMPTSCOPE_SDK=off.',
    );
    return known.length > 0 ? known : ['otlp'];
  }
  return known.length > 0 ? known : ['otlp'];
}

function signal(env: Env, name: Signal, warn: Warn): SignalSettings {
  const exporters = exportersFor(env, name, warn);
  return { enabled: exporters.length > 0, exporters, protocol: protocolFor(env, name, warn) };
}

export function readSettings(env: Env = process.env, warnOnce: Warn = defaultWarn): RegisterSettings {
  // A bad OTEL_EXPORTER_OTLP_PROTOCOL is read once per signal; say so once.
  const said = new Set<string>();
  const warn: Warn = (message) => {
    if (said.has(message)) return;
    said.add(message);
    warnOnce(message);
  };
  const disabled = envTrue(env, REGISTER_ENV.SDK_DISABLED, warn);

  let sdk: SdkMode = 'auto';
  const mode = raw(env, REGISTER_ENV.SDK_MODE)?.toLowerCase();
  if (mode === 'off' || mode === 'auto') sdk = mode;
  else if (mode !== undefined) {
    warn(`${REGISTER_ENV.SDK_MODE}=${JSON.stringify(env[REGISTER_ENV.SDK_MODE])} must be auto or off. Using auto.`);
  }

  const sampler = raw(env, REGISTER_ENV.TRACES_SAMPLER);
  if (sampler !== undefined && !SAMPLERS.includes(sampler)) {
    // The SDK falls back to its default too, but only says so through the (usually silent) diag logger.
    warn(
      `${REGISTER_ENV.TRACES_SAMPLER}=${JSON.stringify(sampler)} is not supported; accepted values: ` +
        `${SAMPLERS.join(', ')}. Using parentbased_always_on.`,
    );
  }

  const metricExportIntervalMs = envMillis(
    env,
    REGISTER_ENV.METRIC_EXPORT_INTERVAL,
    REGISTER_DEFAULTS.metricExportIntervalMs,
    warn,
  );
  // The metric reader rejects a timeout longer than its interval; cap it rather than fail.
  const metricExportTimeoutMs = Math.min(
    envMillis(env, REGISTER_ENV.METRIC_EXPORT_TIMEOUT, REGISTER_DEFAULTS.metricExportTimeoutMs, warn),
    metricExportIntervalMs,
  );

  return {
    disabled,
    sdk,
    traces: signal(env, 'traces', warn),
    metrics: signal(env, 'metrics', warn),
    logs: signal(env, 'logs', warn),
    metricExportIntervalMs,
    metricExportTimeoutMs,
    shutdownTimeoutMs: envMillis(env, REGISTER_ENV.SHUTDOWN_TIMEOUT_MS, REGISTER_DEFAULTS.shutdownTimeoutMs, warn),
  };
}

export function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'PROMPTSCOPE_REGISTER' });
}
