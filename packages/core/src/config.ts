import type { SemconvMode } from './names.js';

/** What a redaction hook is asked to look at. */
export type ContentKind = 'input' | 'output' | 'system_instructions' | 'tool_definitions' | 'prompt_variables';

/**
 * A redaction hook: receives the structured (semconv-shaped) value before it is serialized, and returns
 * the value to record, or `undefined` to record nothing for that attribute.
 */
export type RedactHook = (kind: ContentKind, value: unknown) => unknown;

/** Options every promptscope instrumentation accepts. Unset options fall back to the environment. */
export interface PromptscopeConfig {
  /** Record message content (`gen_ai.input.messages`, ...). Default false. Env: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT. */
  captureContent?: boolean;
  /** Upper bound for the serialized size of each content attribute, in bytes. Env: PROMPTSCOPE_CONTENT_MAX_BYTES. */
  contentMaxBytes?: number;
  /** Called on every content value before it is recorded. */
  redact?: RedactHook;
  /** Ask the provider for usage on streams the caller did not ask it for, and hide the extra chunk. Env: PROMPTSCOPE_STREAM_USAGE. */
  streamUsage?: boolean;
  /** `default` (names today's backends read) or `latest` (the conventions' main branch). Env: PROMPTSCOPE_SEMCONV. */
  semconv?: SemconvMode;
  /** End a span whose stream or body the caller never consumes after this long, in ms. Env: PROMPTSCOPE_ABANDON_TIMEOUT_MS. */
  abandonTimeoutMs?: number;
  /** A JSON file of price overrides (see the README). Env: PROMPTSCOPE_PRICES_FILE. */
  pricesFile?: string;
  /** Price overrides given in code; they win over the file and the bundled data. */
  prices?: PriceOverride[];
  /**
   * Put a hash of the end-user id given to `withUser()` on spans as `enduser.id` (never on metrics, never
   * the raw id). Default false: nothing about the user is recorded. Env: PROMPTSCOPE_CAPTURE_USER_ID=hashed.
   */
  hashUserId?: boolean;
  /** The key of the HMAC-SHA256 that hashes end-user ids (keep it secret and stable). Env: PROMPTSCOPE_USER_ID_SALT. */
  userIdSalt?: string;
  /**
   * Cardinality cap for `promptscope.user.segment` on metrics: the first N distinct segments seen (per meter
   * provider) keep their value, later new ones are reported as `other` and counted by
   * `promptscope.segment.overflow`. 0 leaves the segment off metrics. Spans always carry the real value.
   * Default 50. Env: PROMPTSCOPE_SEGMENT_LIMIT.
   */
  segmentLimit?: number;
}

/** A user price, in USD per million tokens. */
export interface PriceOverride {
  /** Exact model name, or a regular expression written as `/.../flags`. */
  match: string;
  /** Restrict to one `gen_ai.provider.name`. */
  provider?: string;
  input_mtok: number;
  output_mtok: number;
  cache_read_mtok?: number;
  cache_write_mtok?: number;
  reasoning_mtok?: number;
}

export interface ResolvedConfig {
  captureContent: boolean;
  contentMaxBytes: number;
  redact: RedactHook | undefined;
  streamUsage: boolean;
  semconv: SemconvMode;
  abandonTimeoutMs: number;
  pricesFile: string | undefined;
  prices: PriceOverride[];
  hashUserId: boolean;
  userIdSalt: string | undefined;
  segmentLimit: number;
}

/** One home for every default. */
export const DEFAULTS = {
  captureContent: false,
  contentMaxBytes: 16 * 1024,
  streamUsage: true,
  semconv: 'default' as SemconvMode,
  abandonTimeoutMs: 5 * 60 * 1000,
  hashUserId: false,
  segmentLimit: 50,
} as const;

export const ENV = {
  CAPTURE_CONTENT: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
  CONTENT_MAX_BYTES: 'PROMPTSCOPE_CONTENT_MAX_BYTES',
  STREAM_USAGE: 'PROMPTSCOPE_STREAM_USAGE',
  SEMCONV: 'PROMPTSCOPE_SEMCONV',
  SEMCONV_OPT_IN: 'OTEL_SEMCONV_STABILITY_OPT_IN',
  ABANDON_TIMEOUT_MS: 'PROMPTSCOPE_ABANDON_TIMEOUT_MS',
  PRICES_FILE: 'PROMPTSCOPE_PRICES_FILE',
  CAPTURE_USER_ID: 'PROMPTSCOPE_CAPTURE_USER_ID',
  USER_ID_SALT: 'PROMPTSCOPE_USER_ID_SALT',
  SEGMENT_LIMIT: 'PROMPTSCOPE_SEGMENT_LIMIT',
  ATTRIBUTE_VALUE_LENGTH_LIMIT: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
} as const;

/** A configuration mistake: says which setting, what was given and what is accepted. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;
type Warn = (message: string) => void;

// The conventions' tools accept several spellings; every one that means "capture" counts.
const CAPTURE_ON = new Set(['true', '1', 'yes', 'on', 'span_only', 'span_and_event']);
const CAPTURE_OFF = new Set(['false', '0', 'no', 'off', 'none', 'no_content', 'event_only', '']);

function envBool(env: Env, name: string, on: Set<string>, off: Set<string>, warn: Warn): boolean | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (on.has(v)) return true;
  if (off.has(v)) return false;
  warn(`${name}=${JSON.stringify(raw)} is not understood; use true or false. Using the default.`);
  return undefined;
}

const BOOL_ON = new Set(['true', '1', 'yes', 'on']);
const BOOL_OFF = new Set(['false', '0', 'no', 'off']);

function envPositiveInt(env: Env, name: string, warn: Warn): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (Number.isInteger(n) && n > 0) return n;
  warn(`${name}=${JSON.stringify(raw)} must be a positive integer. Using the default.`);
  return undefined;
}

function envNonNegativeInt(env: Env, name: string, warn: Warn): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 0) return n;
  warn(`${name}=${JSON.stringify(raw)} must be a whole number ≥ 0. Using the default.`);
  return undefined;
}

const USER_ID_OFF = new Set(['', 'off', 'none', 'false', '0', 'no']);

function envUserId(env: Env, warn: Warn): boolean | undefined {
  const raw = env[ENV.CAPTURE_USER_ID];
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'hashed') return true;
  if (USER_ID_OFF.has(v)) return false;
  warn(
    `${ENV.CAPTURE_USER_ID}=${JSON.stringify(raw)} is not understood; use "hashed" (or "off"). Raw user ids are never recorded. Using the default (off).`,
  );
  return undefined;
}

function envSemconv(env: Env, warn: Warn): SemconvMode | undefined {
  const raw = env[ENV.SEMCONV];
  if (raw !== undefined && raw.trim() !== '') {
    const v = raw.trim().toLowerCase();
    if (v === 'default' || v === 'latest') return v;
    warn(`${ENV.SEMCONV}=${JSON.stringify(raw)} must be "default" or "latest". Using the default.`);
  }
  const optIn = env[ENV.SEMCONV_OPT_IN];
  if (optIn?.split(',').some((s) => s.trim() === 'gen_ai_latest_experimental')) return 'latest';
  return undefined;
}

function checkOption<T>(name: string, value: T | undefined, ok: (v: T) => boolean, expected: string): T | undefined {
  if (value === undefined) return undefined;
  if (!ok(value)) {
    throw new ConfigError(`promptscope option \`${name}\` must be ${expected}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkPrices(prices: unknown): PriceOverride[] | undefined {
  if (prices === undefined) return undefined;
  if (!Array.isArray(prices)) throw new ConfigError('promptscope option `prices` must be an array of price overrides');
  for (let i = 0; i < prices.length; i++) validatePriceOverride(prices[i], `prices[${i}]`);
  return prices as PriceOverride[];
}

/** Throws a ConfigError naming the first thing wrong with a price override. */
export function validatePriceOverride(p: unknown, where: string): asserts p is PriceOverride {
  if (p === null || typeof p !== 'object') throw new ConfigError(`${where} must be an object`);
  const o = p as Record<string, unknown>;
  if (typeof o.match !== 'string' || o.match === '') {
    throw new ConfigError(`${where}.match must be a model name or a /regex/`);
  }
  for (const k of ['input_mtok', 'output_mtok']) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k] as number) || (o[k] as number) < 0) {
      throw new ConfigError(`${where}.${k} must be a non-negative number (USD per million tokens)`);
    }
  }
  for (const k of ['cache_read_mtok', 'cache_write_mtok', 'reasoning_mtok']) {
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !Number.isFinite(o[k] as number) || (o[k] as number) < 0)) {
      throw new ConfigError(`${where}.${k} must be a non-negative number when given`);
    }
  }
  if (o.provider !== undefined && typeof o.provider !== 'string') {
    throw new ConfigError(`${where}.provider must be a string when given`);
  }
}

/**
 * Options win over the environment, the environment over defaults. A bad option throws (the caller
 * can fix it); a bad environment value warns and falls back, because it must not stop the app.
 */
export function resolveConfig(
  options: PromptscopeConfig = {},
  env: Env = process.env,
  warn: Warn = defaultWarn,
): ResolvedConfig {
  const captureContent = checkOption('captureContent', options.captureContent, isBool, 'true or false');
  const contentMaxBytes = checkOption('contentMaxBytes', options.contentMaxBytes, isPosInt, 'a positive integer');
  const streamUsage = checkOption('streamUsage', options.streamUsage, isBool, 'true or false');
  const semconv = checkOption(
    'semconv',
    options.semconv,
    (v) => v === 'default' || v === 'latest',
    '"default" or "latest"',
  );
  const abandonTimeoutMs = checkOption('abandonTimeoutMs', options.abandonTimeoutMs, isPosInt, 'a positive integer');
  const redact = checkOption('redact', options.redact, (v) => typeof v === 'function', 'a function');
  const pricesFile = checkOption('pricesFile', options.pricesFile, (v) => typeof v === 'string', 'a file path');
  const hashUserId = checkOption('hashUserId', options.hashUserId, isBool, 'true or false');
  const userIdSalt = checkOption(
    'userIdSalt',
    options.userIdSalt,
    (v) => typeof v === 'string' && v !== '',
    'a non-empty string',
  );
  const segmentLimit = checkOption(
    'segmentLimit',
    options.segmentLimit,
    (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0,
    'a whole number ≥ 0',
  );

  // A value-length limit set for the SDK also bounds content: a value the SDK truncates is invalid JSON.
  const sdkLimit =
    envPositiveInt(env, ENV.SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, warn) ??
    envPositiveInt(env, ENV.ATTRIBUTE_VALUE_LENGTH_LIMIT, warn);
  const maxBytes = contentMaxBytes ?? envPositiveInt(env, ENV.CONTENT_MAX_BYTES, warn) ?? DEFAULTS.contentMaxBytes;

  const resolvedHashUserId = hashUserId ?? envUserId(env, warn) ?? DEFAULTS.hashUserId;
  const resolvedSalt = userIdSalt ?? (env[ENV.USER_ID_SALT] || undefined);
  if (resolvedHashUserId && resolvedSalt === undefined) {
    warn(
      `End-user ids are hashed without a salt: a hash of a guessable id (an email, a sequential number) can be reversed by trying candidates. Set ${ENV.USER_ID_SALT} (or the \`userIdSalt\` option) to a secret.`,
    );
  }

  return {
    captureContent:
      captureContent ?? envBool(env, ENV.CAPTURE_CONTENT, CAPTURE_ON, CAPTURE_OFF, warn) ?? DEFAULTS.captureContent,
    contentMaxBytes: sdkLimit !== undefined ? Math.min(maxBytes, sdkLimit) : maxBytes,
    redact,
    streamUsage: streamUsage ?? envBool(env, ENV.STREAM_USAGE, BOOL_ON, BOOL_OFF, warn) ?? DEFAULTS.streamUsage,
    semconv: semconv ?? envSemconv(env, warn) ?? DEFAULTS.semconv,
    abandonTimeoutMs:
      abandonTimeoutMs ?? envPositiveInt(env, ENV.ABANDON_TIMEOUT_MS, warn) ?? DEFAULTS.abandonTimeoutMs,
    pricesFile: pricesFile ?? (env[ENV.PRICES_FILE]?.trim() || undefined),
    prices: checkPrices(options.prices) ?? [],
    hashUserId: resolvedHashUserId,
    userIdSalt: resolvedSalt,
    segmentLimit: segmentLimit ?? envNonNegativeInt(env, ENV.SEGMENT_LIMIT, warn) ?? DEFAULTS.segmentLimit,
  };
}

function isBool(v: unknown): boolean {
  return typeof v === 'boolean';
}
function isPosInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'PROMPTSCOPE_CONFIG' });
}
