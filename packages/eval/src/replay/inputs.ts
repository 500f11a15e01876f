/**
 * From captured production completions to replay inputs: which to take (the window, the version, the
 * newest N or a sample spread over the window), and for each what the candidate is sent (the recorded
 * variables rendered with the candidate, or the recorded messages and parameters re-sent when only the
 * model or provider changes) and what production answered (the recorded baseline). Everything read from a
 * trace goes through the redaction hook first; an input that cannot be replayed is skipped with its reason.
 */
import { createHash } from 'node:crypto';
import { ATTR, type RedactHook } from '@promptscope/core';
import type { ChatMessage } from '@promptscope/prompts';
import { caseIdFor } from '../bank/ids.js';
import type { Vars } from '../bank/model.js';
import { describeError } from '../errors.js';
import { type CapturedCompletion, type CapturedSpan, outputOf, variablesOf } from '../harvest/spans.js';
import type { ChatRequest } from '../run/providers.js';
import type { Target } from '../run/target.js';
import type { ReplaySide } from './types.js';

export interface ReplayFilter {
  version?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Newest first, at most this many (default 200). */
  limit?: number;
  /** Instead of the newest: this many spread evenly over the window. */
  sample?: number;
}

export const DEFAULT_REPLAY_LIMIT = 200;

/** The completions to replay, newest first; `found` is how many the window and version held. */
export function pickCompletions(
  list: CapturedCompletion[],
  f: ReplayFilter,
): { picked: CapturedCompletion[]; found: number } {
  const inWindow = list
    .filter(
      (c) =>
        (f.version === undefined || String(c.span.attributes[ATTR.PROMPT_VERSION]) === f.version) &&
        (f.sinceMs === undefined || c.span.startMs >= f.sinceMs) &&
        (f.untilMs === undefined || c.span.startMs <= f.untilMs),
    )
    .sort((a, b) => b.span.startMs - a.span.startMs);
  if (f.sample !== undefined) return { picked: spread(inWindow, f.sample), found: inWindow.length };
  return { picked: inWindow.slice(0, f.limit ?? DEFAULT_REPLAY_LIMIT), found: inWindow.length };
}

/** n items at even steps over the list (which is ordered by time), so a busy hour does not crowd out the rest. */
function spread<T>(list: T[], n: number): T[] {
  if (n >= list.length) return list;
  const step = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step + step / 2)] as T);
}

/** One production completion, ready to replay. */
export interface PreparedInput {
  id: string;
  mode: 'rendered' | 'resent';
  vars?: Vars;
  request?: ChatRequest;
  span: CapturedSpan;
  recorded: ReplaySide;
}

export type Prepared = { ok: true; input: PreparedInput } | { ok: false; reason: string };

const TRUNCATED = '…[truncated]';
const NO_CONTENT = 'no captured content (content capture off, or removed by the collector)';

/** Applies the hook; a hook that throws hides the whole input (never leak what it was meant to hide). */
function redacted(hook: RedactHook | undefined, kind: Parameters<RedactHook>[0], value: unknown): unknown {
  return hook === undefined ? value : hook(kind, value);
}

interface Part {
  type?: string;
  content?: unknown;
}

/** Recorded semconv messages → chat messages, when every part is text (tool calls and media cannot be re-sent). */
function chatMessages(raw: unknown, system: unknown): ChatMessage[] | string {
  const out: ChatMessage[] = [];
  if (Array.isArray(system)) {
    const text = textOf(system as Part[]);
    if ('reason' in text) return text.reason;
    out.push({ role: 'system', content: text.text });
  }
  if (!Array.isArray(raw)) return 'the recorded input messages are not a list';
  for (const m of raw as { role?: unknown; parts?: unknown }[]) {
    if (typeof m?.role !== 'string' || !Array.isArray(m.parts)) return 'a recorded input message has no role or parts';
    const text = textOf(m.parts as Part[]);
    if ('reason' in text) return text.reason;
    out.push({ role: m.role, content: text.text });
  }
  return out;
}

function textOf(parts: Part[]): { text: string } | { reason: string } {
  let text = '';
  for (const p of parts) {
    if (p?.type !== 'text' || typeof p.content !== 'string')
      return { reason: `a recorded message has a ${String(p?.type)} part: only text can be re-sent` };
    if (p.content.endsWith(TRUNCATED))
      return { reason: 'a recorded message was shortened to the content budget (raise PROMPTSCOPE_CONTENT_MAX_BYTES)' };
    text += p.content;
  }
  return { text };
}

const PARAMS: [string, string][] = [
  [ATTR.REQUEST_MAX_TOKENS, 'max_tokens'],
  [ATTR.REQUEST_TEMPERATURE, 'temperature'],
  [ATTR.REQUEST_TOP_P, 'top_p'],
  [ATTR.REQUEST_FREQUENCY_PENALTY, 'frequency_penalty'],
  [ATTR.REQUEST_PRESENCE_PENALTY, 'presence_penalty'],
  [ATTR.REQUEST_SEED, 'seed'],
  [ATTR.REQUEST_STOP_SEQUENCES, 'stop'],
];

/** The recorded messages and parameters as a request to the target's provider and model. */
function resendRequest(span: CapturedSpan, target: Target, hook: RedactHook | undefined): ChatRequest | string {
  const a = span.attributes;
  if (typeof a[ATTR.INPUT_MESSAGES] !== 'string') return 'no captured input messages to re-send';
  let input: unknown;
  let system: unknown;
  try {
    input = redacted(hook, 'input', JSON.parse(a[ATTR.INPUT_MESSAGES] as string));
    if (typeof a[ATTR.SYSTEM_INSTRUCTIONS] === 'string')
      system = redacted(hook, 'system_instructions', JSON.parse(a[ATTR.SYSTEM_INSTRUCTIONS] as string));
  } catch (err) {
    return err instanceof SyntaxError
      ? 'the recorded input messages are not JSON (cut short?)'
      : `the redaction hook failed on the input: ${describeError(err)}`;
  }
  if (input === undefined) return 'the redaction hook removed the input messages';
  const messages = chatMessages(input, system);
  if (typeof messages === 'string') return messages;
  const params: Record<string, unknown> = {};
  for (const [attr, param] of PARAMS) if (a[attr] !== undefined) params[param] = a[attr];
  return {
    provider: target.provider,
    model: target.model,
    messages,
    params,
    stream: a[ATTR.REQUEST_STREAM] === true,
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What production answered, as a side of the comparison (no call is made). */
export function recordedSide(span: CapturedSpan, hook: RedactHook | undefined): ReplaySide {
  const a = span.attributes;
  const side: ReplaySide = {
    origin: 'recorded',
    traceId: span.traceId,
    spanId: span.spanId,
    assertions: [],
    status: 'pass',
  };
  const raw = outputOf(span);
  if (raw !== undefined) {
    const out = redacted(hook, 'output', raw);
    if (typeof out === 'string') side.output = out;
  }
  const finish = a[ATTR.RESPONSE_FINISH_REASONS];
  const first = Array.isArray(finish) ? finish[0] : finish;
  if (first !== undefined) side.finishReason = String(first);
  if (span.durationMs !== undefined) side.latencyMs = span.durationMs;
  const ttft = num(a[ATTR.RESPONSE_TIME_TO_FIRST_CHUNK]);
  if (ttft !== undefined) side.ttftMs = ttft * 1000;
  const input = num(a[ATTR.USAGE_INPUT_TOKENS]);
  const output = num(a[ATTR.USAGE_OUTPUT_TOKENS]);
  if (input !== undefined || output !== undefined)
    side.tokens = { ...(input !== undefined ? { input } : {}), ...(output !== undefined ? { output } : {}) };
  side.costUsd = num(a[ATTR.COST_USD]) ?? null;
  const model = a[ATTR.RESPONSE_MODEL] ?? a[ATTR.REQUEST_MODEL];
  if (model !== undefined) side.model = String(model);
  if (a[ATTR.ERROR_TYPE] !== undefined || span.error) {
    side.error = `production call failed${a[ATTR.ERROR_TYPE] !== undefined ? `: ${String(a[ATTR.ERROR_TYPE])}` : ''}`;
    side.status = 'error';
  }
  return side;
}

function typed(recorded: Record<string, string>, target: Target): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(recorded)) {
    const type = target.spec.variables[k]?.type;
    if (type === 'number' && v.trim() !== '' && Number.isFinite(Number(v))) out[k] = Number(v);
    else if (type === 'boolean' && (v === 'true' || v === 'false')) out[k] = v === 'true';
    else out[k] = v;
  }
  return out;
}

export interface PrepareOptions {
  candidate: Target;
  /** Re-send the recorded messages for inputs recorded on the candidate's own version (--model/--provider). */
  resend: boolean;
  /** A re-run baseline makes production's output unnecessary. */
  needsRecordedOutput: boolean;
  redact?: RedactHook;
}

/** What the candidate is sent for one completion, or why it cannot be replayed. */
export function prepareInput(c: CapturedCompletion, o: PrepareOptions): Prepared {
  const { span } = c;
  const hook = o.redact;
  let recorded: ReplaySide;
  try {
    recorded = recordedSide(span, hook);
  } catch (err) {
    return { ok: false, reason: `the redaction hook failed on the output: ${describeError(err)}` };
  }
  const a = span.attributes;
  if (recorded.output === undefined && a[ATTR.INPUT_MESSAGES] === undefined && variablesOf(span) === undefined)
    return { ok: false, reason: NO_CONTENT };
  if (recorded.error !== undefined && o.needsRecordedOutput)
    return { ok: false, reason: 'production call failed: no output to compare with' };
  if (recorded.output === undefined && o.needsRecordedOutput)
    return { ok: false, reason: 'no captured output (content capture off, or removed by the collector)' };
  let vars: Vars | undefined;
  const raw = variablesOf(span);
  if (raw !== undefined) {
    let kept: unknown;
    try {
      kept = redacted(hook, 'prompt_variables', raw);
    } catch (err) {
      return { ok: false, reason: `the redaction hook failed on the variables: ${describeError(err)}` };
    }
    if (kept !== null && typeof kept === 'object' && !Array.isArray(kept)) {
      const strings = Object.fromEntries(Object.entries(kept).map(([k, v]) => [k, String(v)]));
      if (Object.values(strings).some((v) => v.endsWith(TRUNCATED)))
        return {
          ok: false,
          reason: 'a variable was shortened to the content budget (raise PROMPTSCOPE_CONTENT_MAX_BYTES)',
        };
      vars = typed(strings, o.candidate);
    }
  }
  const sameVersion = String(a[ATTR.PROMPT_VERSION]) === String(o.candidate.version);
  if (o.resend && sameVersion) {
    const req = resendRequest(span, o.candidate, hook);
    if (typeof req !== 'string') {
      const id = vars !== undefined ? caseIdFor(vars) : messagesId(req.messages);
      return {
        ok: true,
        input: { id, mode: 'resent', request: req, span, recorded, ...(vars !== undefined ? { vars } : {}) },
      };
    }
    if (vars === undefined) return { ok: false, reason: req };
  }
  if (vars === undefined)
    return {
      ok: false,
      reason:
        a[ATTR.INPUT_MESSAGES] !== undefined
          ? 'no captured prompt variables to render the candidate with (render through prompt.request() inside prompt.run())'
          : NO_CONTENT,
    };
  return { ok: true, input: { id: caseIdFor(vars), mode: 'rendered', vars, span, recorded } };
}

function messagesId(messages: ChatMessage[]): string {
  return `m-${createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 10)}`;
}
