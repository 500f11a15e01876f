/**
 * `promptscope worst <prompt>`: the lowest-rated (or the failed) completions of a prompt over a time window,
 * read from Jaeger's HTTP query API (`/api/services`, `/api/traces`).
 *
 * How completions and feedback are joined: feedback (`@promptscope/feedback`) is an `evaluation <name>` span
 * whose parent is the completion span, in the completion's trace, but often emitted later by another process
 * (another service name). Jaeger's trace search matches single spans of one service, and returns whole traces
 * (every fragment stored under that trace id, whatever its service). So we search every service (or the
 * `--service` ones) for spans tagged `gen_ai.prompt.name=<prompt>`: that finds the completion spans, and the
 * evaluation spans (they copy the prompt name from the feedback token), and with them their whole traces.
 * Spans are merged per trace id and span id, so a trace found twice counts once.
 */
import { parseArgs } from 'node:util';
import { ATTR } from '@promptscope/core';
import { type Io, UsageError } from './io.js';

export const WORST_HELP = `Usage: promptscope worst <prompt> [options]

Lists the lowest-rated completions of a prompt over a time window, worst first, read from Jaeger's query
API: time, prompt version, model, score and label, comment, the trace link, and the captured input and
output (when content capture was on). Feedback is joined to its completion span (the evaluation span's
parent); per completion, evaluation and feedback id the last record wins.

Options:
  --since <when>        start of the window: a duration back from now (30m, 24h, 7d) or a date/time
                        (2026-05-01, 2026-05-01T10:00:00Z). Default 24h
  --until <when>        end of the window: now (default), a duration back from now, or a date/time
  --limit <n>           completions to list (default 20)
  --jaeger <url>        Jaeger query base URL (default $PROMPTSCOPE_JAEGER_URL, else http://127.0.0.1:16686)
  --service <name>      search only this service (repeatable, or a,b); default every service Jaeger knows
  --evaluation <name>   rank by this evaluation only (e.g. thumbs); default every evaluation, by its lowest score
  --prompt-version <v>  only completions of this prompt version
  --failed              list the failed completions (error.type set) instead, newest first
  --search-limit <n>    traces read per service from Jaeger (default 1000)
  --json                print JSON (full content, links to the UI and to the API)
`;

export const DEFAULT_JAEGER = 'http://127.0.0.1:16686';
export const JAEGER_ENV = 'PROMPTSCOPE_JAEGER_URL';
export const DEFAULT_SEARCH_LIMIT = 1000;
const CONTENT_PREVIEW = 200;

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

/** One effective piece of feedback on a completion (after "last record wins"). */
export interface WorstFeedback {
  evaluation: string;
  score?: number;
  label?: string;
  comment?: string;
  kind?: string;
  source?: string;
  id?: string;
  time: string;
  spanId: string;
  service: string;
}

/** One completion in the listing. */
export interface WorstCompletion {
  traceId: string;
  /** The completion span; for feedback whose completion span is not in Jaeger, the feedback's parent span id. */
  spanId: string;
  /** False when only the feedback was found (the completion span was sampled out or not exported yet). */
  completionFound: boolean;
  time: string;
  service?: string;
  operation?: string;
  promptName: string;
  promptVersion?: string;
  promptLabel?: string;
  model?: string;
  /** The lowest score among the (selected) feedback; undefined for unrated failed completions. */
  score?: number;
  errorType?: string;
  errorMessage?: string;
  feedback: WorstFeedback[];
  input?: string;
  output?: string;
  traceUrl: string;
  traceApiUrl: string;
}

export interface WorstQuery {
  prompt: string;
  jaeger: string;
  /** Microseconds since the epoch. */
  startUs: number;
  endUs: number;
  limit: number;
  services?: string[];
  evaluation?: string;
  promptVersion?: string;
  failed?: boolean;
  searchLimit?: number;
  fetch?: typeof fetch;
}

export interface WorstResult {
  completions: WorstCompletion[];
  /** Services searched. */
  services: string[];
  /** Traces read (after merging). */
  traces: number;
  /** Completions of the prompt in the window, rated or not. */
  matched: number;
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

function positiveInt(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got ${raw}`);
  return n;
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

async function getJson(q: WorstQuery, path: string): Promise<unknown> {
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
  const q = {
    prompt: '',
    jaeger,
    startUs: 0,
    endUs: 0,
    limit: 0,
    ...(doFetch !== undefined ? { fetch: doFetch } : {}),
  };
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

const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

/**
 * Every span of the traces in the window that carry the prompt's name, whatever service each fragment came
 * from (a trace found through several services, completion here and feedback there, counts once).
 */
export async function searchPromptTraces(
  q: WorstQuery,
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

/** Searches Jaeger and joins completions with their feedback. Throws {@link JaegerError} when Jaeger fails. */
export async function findWorst(q: WorstQuery): Promise<WorstResult> {
  const { traces, services } = await searchPromptTraces(q);

  const completions: WorstCompletion[] = [];
  let matched = 0;
  for (const [traceId, spans] of traces) {
    const byParent = new Map<string, JaegerSpan[]>();
    for (const s of spans.values()) {
      if (s.tags[ATTR.EVALUATION_NAME] === undefined || s.parentSpanId === undefined) continue;
      const list = byParent.get(s.parentSpanId);
      if (list === undefined) byParent.set(s.parentSpanId, [s]);
      else list.push(s);
    }
    const seen = new Set<string>();
    const consider = (c: WorstCompletion, startUs: number, evaluations: JaegerSpan[]) => {
      if (q.promptVersion !== undefined && c.promptVersion !== q.promptVersion) return;
      if (startUs < q.startUs || startUs > q.endUs) return;
      matched++;
      c.feedback = effectiveFeedback(evaluations).filter(
        (f) => q.evaluation === undefined || f.evaluation === q.evaluation,
      );
      const scores = c.feedback.map((f) => f.score).filter((s): s is number => s !== undefined);
      if (scores.length > 0) c.score = Math.min(...scores);
      if (q.failed ? c.errorType !== undefined : c.score !== undefined) completions.push(c);
    };
    for (const s of spans.values()) {
      const t = s.tags;
      if (t[ATTR.PROMPT_NAME] !== q.prompt || t[ATTR.OPERATION_NAME] === undefined) continue;
      if (t[ATTR.EVALUATION_NAME] !== undefined) continue;
      seen.add(s.spanId);
      const c: WorstCompletion = {
        traceId,
        spanId: s.spanId,
        completionFound: true,
        time: iso(s.startUs),
        service: s.service,
        operation: s.operationName,
        promptName: q.prompt,
        promptVersion: str(t[ATTR.PROMPT_VERSION]),
        promptLabel: str(t[ATTR.PROMPT_LABEL]),
        model: str(t[ATTR.RESPONSE_MODEL] ?? t[ATTR.REQUEST_MODEL]),
        errorType: str(t[ATTR.ERROR_TYPE]),
        errorMessage: str(t['otel.status_description']),
        feedback: [],
        input: str(t[ATTR.INPUT_MESSAGES]),
        output: str(t[ATTR.OUTPUT_MESSAGES]),
        traceUrl: `${q.jaeger}/trace/${traceId}`,
        traceApiUrl: `${q.jaeger}/api/traces/${traceId}`,
      };
      consider(c, s.startUs, byParent.get(s.spanId) ?? []);
    }
    // Feedback on this prompt whose completion span is not in Jaeger (sampled out, not exported yet): still a
    // rated completion, described by what the feedback copied from its token.
    if (!q.failed) {
      for (const [parent, evaluations] of byParent) {
        if (seen.has(parent)) continue;
        const first = evaluations.find((e) => e.tags[ATTR.PROMPT_NAME] === q.prompt);
        if (first === undefined) continue;
        const t = first.tags;
        const startUs = Math.min(...evaluations.map((e) => e.startUs));
        const c: WorstCompletion = {
          traceId,
          spanId: parent,
          completionFound: false,
          time: iso(startUs),
          promptName: q.prompt,
          feedback: [],
          traceUrl: `${q.jaeger}/trace/${traceId}`,
          traceApiUrl: `${q.jaeger}/api/traces/${traceId}`,
        };
        if (t[ATTR.PROMPT_VERSION] !== undefined) c.promptVersion = String(t[ATTR.PROMPT_VERSION]);
        if (t[ATTR.PROMPT_LABEL] !== undefined) c.promptLabel = String(t[ATTR.PROMPT_LABEL]);
        if (t[ATTR.RESPONSE_MODEL] !== undefined) c.model = String(t[ATTR.RESPONSE_MODEL]);
        consider(c, startUs, evaluations);
      }
    }
  }

  completions.sort((a, b) =>
    q.failed
      ? b.time.localeCompare(a.time) || a.traceId.localeCompare(b.traceId)
      : (a.score as number) - (b.score as number) ||
        b.time.localeCompare(a.time) ||
        a.traceId.localeCompare(b.traceId) ||
        a.spanId.localeCompare(b.spanId),
  );
  return { completions: completions.slice(0, q.limit), services, traces: traces.size, matched };
}

/**
 * The feedback that counts, oldest first: per (evaluation name, feedback id) the last record wins; records
 * without an id are each their own.
 */
export function effectiveFeedback(evaluations: JaegerSpan[]): WorstFeedback[] {
  const latest = new Map<string, JaegerSpan>();
  for (const e of evaluations) {
    const id = e.tags[ATTR.FEEDBACK_ID];
    const key = `${e.tags[ATTR.EVALUATION_NAME]}\u0000${id === undefined ? `span:${e.spanId}` : `id:${id}`}`;
    const prev = latest.get(key);
    if (prev === undefined || e.startUs >= prev.startUs) latest.set(key, e);
  }
  return [...latest.values()]
    .sort((a, b) => a.startUs - b.startUs)
    .map((e) => {
      const t = e.tags;
      const f: WorstFeedback = {
        evaluation: String(t[ATTR.EVALUATION_NAME]),
        time: iso(e.startUs),
        spanId: e.spanId,
        service: e.service,
      };
      const score = t[ATTR.EVALUATION_SCORE_VALUE];
      if (typeof score === 'number') f.score = score;
      else if (typeof score === 'string' && Number.isFinite(Number(score))) f.score = Number(score);
      if (t[ATTR.EVALUATION_SCORE_LABEL] !== undefined) f.label = String(t[ATTR.EVALUATION_SCORE_LABEL]);
      if (t[ATTR.EVALUATION_EXPLANATION] !== undefined) f.comment = String(t[ATTR.EVALUATION_EXPLANATION]);
      if (t[ATTR.FEEDBACK_KIND] !== undefined) f.kind = String(t[ATTR.FEEDBACK_KIND]);
      if (t[ATTR.FEEDBACK_SOURCE] !== undefined) f.source = String(t[ATTR.FEEDBACK_SOURCE]);
      if (t[ATTR.FEEDBACK_ID] !== undefined) f.id = String(t[ATTR.FEEDBACK_ID]);
      return f;
    });
}

/** Semconv messages (`[{role, parts: [{type: 'text', content}]}]`) as one line: `user: … | assistant: …`. */
export function previewMessages(json: string, max = CONTENT_PREVIEW): string {
  let text = json;
  try {
    const messages = JSON.parse(json) as unknown;
    if (Array.isArray(messages)) {
      text = messages
        .map((m: { role?: string; parts?: { type?: string; content?: unknown }[] }) => {
          const parts = (m.parts ?? [])
            .map((p) => (p.type === 'text' && typeof p.content === 'string' ? p.content : `[${p.type ?? 'part'}]`))
            .join(' ');
          return m.role ? `${m.role}: ${parts}` : parts;
        })
        .join(' | ');
    }
  } catch {
    // not JSON (e.g. truncated by a size limit): show it as it is
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatScore(f: WorstFeedback): string {
  const value = f.score !== undefined ? String(f.score) : '—';
  return `${f.evaluation} ${value}${f.label !== undefined ? ` (${f.label})` : ''}`;
}

export function formatWorst(result: WorstResult, q: WorstQuery): string {
  const lines: string[] = [];
  const what = q.failed ? 'failed completions' : 'lowest-rated completions';
  const window = `${iso(q.startUs)} .. ${iso(q.endUs)}`;
  if (result.completions.length === 0) {
    lines.push(
      `No ${what} of prompt "${q.prompt}" in ${window} (${result.matched} completion(s) of it found in ${result.traces} trace(s), services searched: ${result.services.join(', ') || 'none'}).`,
    );
    if (!q.failed && result.matched > 0) lines.push('None of them has a scored feedback record.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `${result.completions.length} ${what} of prompt "${q.prompt}", ${window}${q.failed ? ', newest first' : ', worst first'}:`,
  );
  result.completions.forEach((c, i) => {
    lines.push('');
    const head = [
      `${i + 1}.`,
      c.score !== undefined ? `score ${c.score}` : undefined,
      c.errorType !== undefined ? `error ${c.errorType}` : undefined,
      c.time,
      `version ${c.promptVersion ?? '?'}${c.promptLabel !== undefined ? ` (${c.promptLabel})` : ''}`,
      c.model ?? 'model ?',
    ]
      .filter((s) => s !== undefined)
      .join('  ');
    lines.push(head);
    for (const f of c.feedback) {
      lines.push(`   ${formatScore(f)}${f.comment !== undefined ? `  "${f.comment.replace(/\s+/g, ' ')}"` : ''}`);
    }
    if (c.errorMessage !== undefined) lines.push(`   error: ${c.errorMessage}`);
    lines.push(`   trace: ${c.traceUrl}`);
    if (!c.completionFound) lines.push('   (the completion span is not in Jaeger: sampled out or not exported yet)');
    if (c.input !== undefined) lines.push(`   input:  ${previewMessages(c.input)}`);
    if (c.output !== undefined) lines.push(`   output: ${previewMessages(c.output)}`);
  });
  return `${lines.join('\n')}\n`;
}

function parseWorstArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      jaeger: { type: 'string' },
      service: { type: 'string', multiple: true },
      evaluation: { type: 'string' },
      'prompt-version': { type: 'string' },
      failed: { type: 'boolean' },
      'search-limit': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

export async function worstCommand(args: string[], io: Io, now: () => number = Date.now): Promise<number> {
  let parsed: ReturnType<typeof parseWorstArgs>;
  try {
    parsed = parseWorstArgs(args);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(WORST_HELP);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] === '') {
    throw new UsageError('worst expects one <prompt> name, e.g. promptscope worst support-reply --since 24h');
  }
  const nowMs = now();
  const startMs = parseWhen(values.since ?? '24h', nowMs, '--since');
  const endMs = parseWhen(values.until ?? 'now', nowMs, '--until');
  if (startMs >= endMs) throw new UsageError('--since must be before --until');
  const q: WorstQuery = {
    prompt: positionals[0] as string,
    jaeger: baseUrl(values.jaeger ?? (io.env[JAEGER_ENV] || DEFAULT_JAEGER)),
    startUs: startMs * 1000,
    endUs: endMs * 1000,
    limit: positiveInt(values.limit, '--limit', 20),
    searchLimit: positiveInt(values['search-limit'], '--search-limit', DEFAULT_SEARCH_LIMIT),
    services: values.service
      ?.flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean),
    failed: values.failed === true,
  };
  if (values.evaluation !== undefined) q.evaluation = values.evaluation;
  if (values['prompt-version'] !== undefined) q.promptVersion = values['prompt-version'];
  const result = await findWorst(q);
  if (values.json) {
    io.stdout(
      `${JSON.stringify(
        {
          prompt: q.prompt,
          window: { start: iso(q.startUs), end: iso(q.endUs) },
          order: q.failed ? 'failed, newest first' : 'lowest score first',
          services: result.services,
          traces: result.traces,
          matched: result.matched,
          completions: result.completions,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout(formatWorst(result, q));
  }
  return 0;
}
