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
import { latestFeedback } from '@promptscope/feedback';
import { type Io, UsageError } from './io.js';
import {
  baseUrl,
  DEFAULT_JAEGER,
  DEFAULT_SEARCH_LIMIT,
  JAEGER_ENV,
  JaegerError,
  type JaegerSearch,
  type JaegerSpan,
  parseWhen,
  searchPromptTraces,
} from './jaeger.js';

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

const CONTENT_PREVIEW = 200;

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

export interface WorstQuery extends JaegerSearch {
  limit: number;
  evaluation?: string;
  promptVersion?: string;
  failed?: boolean;
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

function positiveInt(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got ${raw}`);
  return n;
}

const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

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
 * The feedback that counts on one completion, oldest first: @promptscope/feedback's "last wins" (per evaluation
 * name and feedback id the latest record; records without an id are each their own), read from Jaeger spans.
 */
export function effectiveFeedback(evaluations: JaegerSpan[]): WorstFeedback[] {
  return latestFeedback(evaluations, (e) => ({
    completion: `${e.traceId}/${e.parentSpanId ?? ''}`,
    evaluation: String(e.tags[ATTR.EVALUATION_NAME]),
    id: e.tags[ATTR.FEEDBACK_ID] === undefined ? undefined : String(e.tags[ATTR.FEEDBACK_ID]),
    record: e.spanId,
    time: e.startUs,
  })).map((e) => {
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
