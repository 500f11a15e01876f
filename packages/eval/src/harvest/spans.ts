/**
 * Production completions, whatever backend they were read from (Jaeger's query API, the collector's OTLP
 * JSON file), as plain data; and what turns one into a bank case: its captured variables, its output, its
 * provenance and why it was picked.
 */
import { ATTR } from '@promptscope/core';
import type { PromptSpec } from '@promptscope/prompts';
import type { NewCase } from '../bank/file.js';
import { caseIdFor } from '../bank/ids.js';
import type { CaseSource, Vars } from '../bank/model.js';
import { HarvestError } from '../errors.js';

export type AttrValue = string | number | boolean | Array<string | number | boolean>;

export interface CapturedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Start, ms since the epoch. */
  startMs: number;
  durationMs?: number;
  service?: string;
  attributes: Record<string, AttrValue>;
  error?: boolean;
}

/** One piece of feedback on a completion (the last record per evaluation and feedback id). */
export interface CapturedFeedback {
  evaluation: string;
  score?: number;
  label?: string;
  comment?: string;
}

export interface CapturedCompletion {
  span: CapturedSpan;
  feedback: CapturedFeedback[];
}

/** A score at or below this is negative feedback (the collector keeps such traces; `worst` lists them first). */
export const NEGATIVE_SCORE = 0.4;

const isCompletion = (s: CapturedSpan, prompt: string) =>
  s.attributes[ATTR.PROMPT_NAME] === prompt &&
  s.attributes[ATTR.OPERATION_NAME] !== undefined &&
  s.attributes[ATTR.EVALUATION_NAME] === undefined &&
  // Test and replay runs are not production.
  s.attributes[ATTR.RUN_KIND] === undefined;

/**
 * The completions of `prompt` among `spans`, each with its feedback (the `evaluation <name>` spans whose
 * parent it is; per evaluation name and feedback id the latest wins), oldest first.
 */
export function completionsOf(spans: CapturedSpan[], prompt: string): CapturedCompletion[] {
  const byParent = new Map<string, CapturedSpan[]>();
  const unique = new Map<string, CapturedSpan>();
  for (const s of spans) unique.set(`${s.traceId}/${s.spanId}`, s);
  for (const s of unique.values()) {
    if (s.attributes[ATTR.EVALUATION_NAME] === undefined || s.parentSpanId === undefined) continue;
    const key = `${s.traceId}/${s.parentSpanId}`;
    const list = byParent.get(key);
    if (list === undefined) byParent.set(key, [s]);
    else list.push(s);
  }
  const out: CapturedCompletion[] = [];
  for (const s of unique.values()) {
    if (!isCompletion(s, prompt)) continue;
    out.push({ span: s, feedback: lastWins(byParent.get(`${s.traceId}/${s.spanId}`) ?? []) });
  }
  return out.sort((a, b) => a.span.startMs - b.span.startMs);
}

function lastWins(evaluations: CapturedSpan[]): CapturedFeedback[] {
  const latest = new Map<string, CapturedSpan>();
  for (const e of evaluations) {
    const id = e.attributes[ATTR.FEEDBACK_ID];
    const key = `${e.attributes[ATTR.EVALUATION_NAME]}\u0000${id === undefined ? `span:${e.spanId}` : `id:${id}`}`;
    const prev = latest.get(key);
    if (prev === undefined || e.startMs >= prev.startMs) latest.set(key, e);
  }
  return [...latest.values()].map((e) => {
    const a = e.attributes;
    const f: CapturedFeedback = { evaluation: String(a[ATTR.EVALUATION_NAME]) };
    const score = Number(a[ATTR.EVALUATION_SCORE_VALUE]);
    if (a[ATTR.EVALUATION_SCORE_VALUE] !== undefined && Number.isFinite(score)) f.score = score;
    if (a[ATTR.EVALUATION_SCORE_LABEL] !== undefined) f.label = String(a[ATTR.EVALUATION_SCORE_LABEL]);
    if (a[ATTR.EVALUATION_EXPLANATION] !== undefined) f.comment = String(a[ATTR.EVALUATION_EXPLANATION]);
    return f;
  });
}

export const isFailed = (c: CapturedCompletion) =>
  c.span.attributes[ATTR.ERROR_TYPE] !== undefined || c.span.error === true;
export const isNegative = (c: CapturedCompletion) =>
  c.feedback.some((f) => f.score !== undefined && f.score <= NEGATIVE_SCORE);

/** Why a completion is worth a case: the user's thumbs down, other negative feedback, a failure, or picked by hand. */
export function signalOf(c: CapturedCompletion): string {
  const negative = c.feedback.filter((f) => f.score !== undefined && f.score <= NEGATIVE_SCORE);
  if (negative.some((f) => f.evaluation === 'thumbs')) return 'thumbs_down';
  if (negative.length > 0) return 'negative_feedback';
  if (isFailed(c)) return 'failed';
  return 'selected';
}

/** The `gen_ai.prompt.variable.*` attributes of a span, as recorded (strings). */
export function variablesOf(span: CapturedSpan): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(span.attributes)) {
    if (!k.startsWith(ATTR.PROMPT_VARIABLE_PREFIX)) continue;
    out[k.slice(ATTR.PROMPT_VARIABLE_PREFIX.length)] = String(v);
    n++;
  }
  return n > 0 ? out : undefined;
}

/** The text of `gen_ai.output.messages` (the first choice's text parts), when content was captured. */
export function outputOf(span: CapturedSpan): string | undefined {
  const raw = span.attributes[ATTR.OUTPUT_MESSAGES];
  if (typeof raw !== 'string') return undefined;
  try {
    const messages = JSON.parse(raw) as { parts?: { type?: string; content?: unknown }[] }[];
    const first = Array.isArray(messages) ? messages[0] : undefined;
    const text = (first?.parts ?? [])
      .filter((p) => p.type === 'text' && typeof p.content === 'string')
      .map((p) => p.content as string)
      .join('');
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

const TRUNCATED = '…[truncated]';

/** Explains, in the message, what to switch on so that this span would carry its variables. */
function noVariables(span: CapturedSpan): HarvestError {
  const where = `span ${span.spanId} of trace ${span.traceId}`;
  const hasContent = span.attributes[ATTR.INPUT_MESSAGES] !== undefined;
  const why = hasContent
    ? 'the app captured message content but no variables: render the prompt with prompt.request(vars) or prompt.render(vars) inside prompt.run(...) (or pass `variables` to withPrompt)'
    : 'it was recorded with content capture off, or the collector removed the content. Switch on, in the app, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (and render through prompt.request()/render() inside prompt.run()); in the collector, PROMPTSCOPE_KEEP_CONTENT=true for Jaeger, or the replay overlay (collector.replay.yaml) for the OTLP file';
  return new HarvestError(`${where} has no captured prompt variables (gen_ai.prompt.variable.*): ${why}.`);
}

export interface HarvestOptions {
  /** The production version's spec: its variable types turn recorded strings back into numbers and booleans. */
  spec?: PromptSpec;
  /** Keep the production output as the case's `expected`. */
  pinOutput?: boolean;
  /** Where the span was read (`jaeger`, a file name). */
  from?: string;
}

/** A bank case from a production completion, or a {@link HarvestError} saying why not. */
export function caseFromCompletion(c: CapturedCompletion, opts: HarvestOptions = {}): NewCase {
  const { span } = c;
  const recorded = variablesOf(span);
  if (recorded === undefined) throw noVariables(span);
  const cut = Object.entries(recorded).find(([, v]) => v.endsWith(TRUNCATED));
  if (cut !== undefined) {
    throw new HarvestError(
      `span ${span.spanId} of trace ${span.traceId}: variable "${cut[0]}" was shortened to the content budget when it was recorded; a case needs the whole value. Raise PROMPTSCOPE_CONTENT_MAX_BYTES in the app (default 16384).`,
    );
  }
  const vars = typed(recorded, opts.spec);
  const a = span.attributes;
  const source: CaseSource = { traceId: span.traceId, spanId: span.spanId };
  if (a[ATTR.PROMPT_VERSION] !== undefined) source.promptVersion = String(a[ATTR.PROMPT_VERSION]);
  const model = a[ATTR.RESPONSE_MODEL] ?? a[ATTR.REQUEST_MODEL];
  if (model !== undefined) source.model = String(model);
  source.capturedAt = new Date(span.startMs).toISOString();
  source.signal = signalOf(c);
  if (span.service) source.service = span.service;
  if (opts.from !== undefined) source.from = opts.from;
  const out: NewCase = { id: caseIdFor(vars), vars, tags: ['from-production'], source };
  const comment = c.feedback.find((f) => f.comment !== undefined)?.comment;
  if (comment !== undefined) out.description = comment;
  if (opts.pinOutput) {
    const output = outputOf(span);
    if (output === undefined) {
      throw new HarvestError(
        `span ${span.spanId} of trace ${span.traceId} has no captured output (gen_ai.output.messages) to pin: it failed, or content capture was off.`,
      );
    }
    out.expected = output;
  }
  return out;
}

/** Recorded values are strings; the version's schema says which were numbers or booleans. */
function typed(recorded: Record<string, string>, spec: PromptSpec | undefined): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(recorded)) {
    const type = spec?.variables[k]?.type;
    if (type === 'number' && v.trim() !== '' && Number.isFinite(Number(v))) out[k] = Number(v);
    else if (type === 'boolean' && (v === 'true' || v === 'false')) out[k] = v === 'true';
    else out[k] = v;
  }
  return out;
}

export interface CompletionFilter {
  version?: string;
  failed?: boolean;
  /** Only completions with negative feedback. */
  negative?: boolean;
  sinceMs?: number;
  /** Newest first, at most this many. */
  limit?: number;
}

export function selectCompletions(list: CapturedCompletion[], f: CompletionFilter): CapturedCompletion[] {
  const picked = list.filter(
    (c) =>
      (f.version === undefined || String(c.span.attributes[ATTR.PROMPT_VERSION]) === f.version) &&
      (!f.failed || isFailed(c)) &&
      (!f.negative || isNegative(c)) &&
      (f.sinceMs === undefined || c.span.startMs >= f.sinceMs),
  );
  picked.sort((a, b) => b.span.startMs - a.span.startMs);
  return f.limit !== undefined ? picked.slice(0, f.limit) : picked;
}
