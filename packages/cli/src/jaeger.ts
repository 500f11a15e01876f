/**
 * Reading traces back from Jaeger's HTTP query API (`/api/services`, `/api/traces`, `/api/traces/<id>`): the
 * URL and time-window flags, the one error type for everything Jaeger-side (it names the URL and what to do),
 * and spans as plain records with their tags as a map. `worst`, `bank add` and `replay` read production
 * through it.
 */
import { ATTR } from '@promptscope/core';
import { UsageError } from './io.js';

export const DEFAULT_JAEGER = 'http://127.0.0.1:16686';
export const JAEGER_ENV = 'PROMPTSCOPE_JAEGER_URL';
export const DEFAULT_SEARCH_LIMIT = 1000;

/** Where Jaeger's query service is, and the fetch to reach it with (tests pass their own). */
export interface JaegerConnection {
  jaeger: string;
  fetch?: typeof fetch;
}

/** A search for the traces of one prompt in a window. */
export interface JaegerSearch extends JaegerConnection {
  prompt: string;
  /** Microseconds since the epoch. */
  startUs: number;
  endUs: number;
  services?: string[];
  searchLimit?: number;
}

/** One span, as read from Jaeger, with its tags as a plain map. */
export interface JaegerSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  operationName: string;
  /** Microseconds since the epoch. */
  startUs: number;
  durationUs: number;
  service: string;
  tags: Record<string, string | number | boolean>;
}

/** The error for anything Jaeger-side: names the URL and what to do. */
export class JaegerError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'JaegerError';
  }
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `now`, a duration back from `nowMs` (`90s`, `30m`, `24h`, `7d`, `2w`), or a date/time; → ms since the epoch. */
export function parseWhen(raw: string, nowMs: number, flag: string): number {
  const v = raw.trim();
  if (v === 'now') return nowMs;
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(v);
  if (m) return nowMs - Number(m[1]) * (UNITS[m[2]!] as number);
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new UsageError(
    `${flag} ${JSON.stringify(raw)}: expected now, a duration back from now (30m, 24h, 7d) or a date/time (2026-05-01T10:00:00Z)`,
  );
}

export function baseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--jaeger ${JSON.stringify(raw)} is not a URL; e.g. --jaeger ${DEFAULT_JAEGER}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--jaeger must be an http(s) URL, got ${raw}`);
  }
  return url.toString().replace(/\/+$/, '');
}

async function getJson(q: JaegerConnection, path: string): Promise<unknown> {
  const url = `${q.jaeger}${path}`;
  const doFetch = q.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(30_000), headers: { accept: 'application/json' } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new JaegerError(
      `cannot reach Jaeger at ${q.jaeger} (${why}). Start the local stack with \`npm run stack -- up\` (Jaeger's query API on ${DEFAULT_JAEGER}), or point --jaeger (or ${JAEGER_ENV}) at your Jaeger query service.`,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new JaegerError(
      `Jaeger at ${q.jaeger} answered ${res.status} with something that is not JSON (${text.slice(0, 120)}) for ${path}: is that URL Jaeger's query service (port 16686)?`,
    );
  }
  const errors = (body as { errors?: { msg?: string }[] | null }).errors;
  if (!res.ok || (Array.isArray(errors) && errors.length > 0)) {
    const msg = Array.isArray(errors) ? errors.map((e) => e.msg).join('; ') : text.slice(0, 200);
    throw new JaegerError(`Jaeger at ${q.jaeger} answered ${res.status} for ${path}: ${msg}`);
  }
  return body;
}

interface RawTag {
  key: string;
  type?: string;
  value: unknown;
}
interface RawSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType?: string; traceID?: string; spanID: string }[] | null;
  startTime: number;
  duration: number;
  tags?: RawTag[] | null;
  processID?: string;
}
interface RawTrace {
  traceID: string;
  spans?: RawSpan[] | null;
  processes?: Record<string, { serviceName: string }> | null;
}

function tagValue(tag: RawTag): string | number | boolean | undefined {
  const v = tag.value;
  if (tag.type === 'int64' || tag.type === 'float64') {
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (tag.type === 'bool') return v === true || v === 'true';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return undefined;
}

/** Every span of one trace (all its fragments, whatever service), from `/api/traces/<id>`. */
export async function fetchTrace(jaeger: string, traceId: string, doFetch?: typeof fetch): Promise<JaegerSpan[]> {
  const q = { jaeger, ...(doFetch !== undefined ? { fetch: doFetch } : {}) };
  const body = (await getJson(q, `/api/traces/${encodeURIComponent(traceId)}`)) as { data?: RawTrace[] | null };
  return (body.data ?? []).flatMap(readTrace);
}

/** Jaeger's JSON trace → our spans (tags as a map, the service resolved from the trace's processes). */
export function readTrace(trace: RawTrace): JaegerSpan[] {
  const out: JaegerSpan[] = [];
  for (const s of trace.spans ?? []) {
    const tags: JaegerSpan['tags'] = {};
    for (const t of s.tags ?? []) {
      const v = tagValue(t);
      if (v !== undefined) tags[t.key] = v;
    }
    const parent = (s.references ?? []).find((r) => r.refType === undefined || r.refType === 'CHILD_OF');
    out.push({
      traceId: s.traceID,
      spanId: s.spanID,
      parentSpanId: parent?.spanID,
      operationName: s.operationName,
      startUs: s.startTime,
      durationUs: s.duration,
      service: (s.processID !== undefined ? trace.processes?.[s.processID]?.serviceName : undefined) ?? '',
      tags,
    });
  }
  return out;
}

/**
 * Every span of the traces in the window that carry the prompt's name, whatever service each fragment came
 * from (a trace found through several services, completion here and feedback there, counts once).
 */
export async function searchPromptTraces(
  q: JaegerSearch,
): Promise<{ traces: Map<string, Map<string, JaegerSpan>>; services: string[] }> {
  const services =
    q.services && q.services.length > 0
      ? q.services
      : (((await getJson(q, '/api/services')) as { data?: string[] | null }).data ?? []);
  const tags = encodeURIComponent(JSON.stringify({ [ATTR.PROMPT_NAME]: q.prompt }));
  const limit = q.searchLimit ?? DEFAULT_SEARCH_LIMIT;
  const found = await Promise.all(
    services.map(
      (service) =>
        getJson(
          q,
          `/api/traces?service=${encodeURIComponent(service)}&tags=${tags}&start=${Math.floor(q.startUs)}&end=${Math.ceil(q.endUs)}&limit=${limit}`,
        ) as Promise<{ data?: RawTrace[] | null }>,
    ),
  );
  const traces = new Map<string, Map<string, JaegerSpan>>();
  for (const body of found) {
    for (const t of body.data ?? []) {
      let spans = traces.get(t.traceID);
      if (spans === undefined) traces.set(t.traceID, (spans = new Map()));
      for (const s of readTrace(t)) spans.set(s.spanId, s);
    }
  }
  return { traces, services };
}
