import {
  type Attributes,
  diag,
  isSpanContextValid,
  type Link,
  type MeterProvider,
  ROOT_CONTEXT,
  SpanKind,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { type Logger, type LoggerProvider, logs, SeverityNumber } from '@opentelemetry/api-logs';
import { type CompletionRef, completionOf, getPrompt } from '@promptscope/core';
import { ATTR, BoundedCache, METRIC, perMeterProvider } from '@promptscope/core/provider';
import { FeedbackError } from './errors.js';
import {
  checkEvaluation,
  checkName,
  checkShortString,
  type Evaluation,
  type EvaluationSpec,
  type FeedbackValue,
  type Normalized,
  normalizeValue,
} from './evaluations.js';
import {
  checkImplicitScores,
  checkSignal,
  editRatio,
  type ImplicitScore,
  type ImplicitSignal,
  implicitScore,
} from './implicit.js';
import {
  encodeFeedbackToken,
  type FeedbackSecret,
  type FeedbackTokenFields,
  type ParsedFeedbackToken,
  parseFeedbackToken,
  secretList,
} from './token.js';

/** The instrumentation scope of every span, log record and metric this package emits. */
export const FEEDBACK_SCOPE = '@promptscope/feedback';
const SCOPE_VERSION = '0.1.0';
/** The conventions' event name (semconv `gen_ai.evaluation.result`). */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';
/** Environment variable holding the token secret (a comma-separated list during a rotation: the first signs). */
export const SECRET_ENV = 'PROMPTSCOPE_FEEDBACK_SECRET';
/**
 * Buckets of `promptscope.feedback.score`: fine steps over 0..1 (the recommended scale, and where
 * booleans and the implicit mapping land) and whole steps for 1-5 and 1-10 ratings.
 */
export const FEEDBACK_SCORE_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 10];

export type FeedbackKind = 'explicit' | 'implicit' | 'label';
export type FeedbackSource = 'user' | 'app' | 'annotator' | 'eval';
const KINDS: readonly FeedbackKind[] = ['explicit', 'implicit', 'label'];
const SOURCES: readonly FeedbackSource[] = ['user', 'app', 'annotator', 'eval'];
const DEFAULT_SOURCE: Record<FeedbackKind, FeedbackSource> = { explicit: 'user', implicit: 'app', label: 'annotator' };

/** One piece of feedback on a completion. */
export interface FeedbackInput {
  /** The evaluation name, e.g. `thumbs`, `helpfulness`, `tone`. Goes on metrics: keep the set small. */
  name: string;
  /** A number, a boolean (score 1/0, label pass/fail) or a declared category label. */
  value: FeedbackValue;
  /** Default `explicit`. */
  kind?: FeedbackKind;
  /** Who gave it. Default: `user` for explicit, `app` for implicit, `annotator` for label. */
  source?: FeedbackSource;
  /** Free text, recorded as `gen_ai.evaluation.explanation` (truncated to `maxCommentLength`). */
  comment?: string;
  /**
   * Idempotency key: feedback with the same id on the same completion supersedes the earlier record
   * (last wins, when reading; see the README).
   */
  id?: string;
}

/** Details of an implicit signal. `edited` needs `editRatio`, or `original` and `edited` to compute it. */
export interface ImplicitDetail {
  editRatio?: number;
  original?: string;
  edited?: string;
  comment?: string;
  id?: string;
  source?: FeedbackSource;
}

/** What was recorded. */
export interface FeedbackResult {
  name: string;
  kind: FeedbackKind;
  source: FeedbackSource;
  score?: number;
  label?: string;
  id?: string;
  /** The completion the feedback is about. */
  traceId: string;
  spanId: string;
}

export interface FeedbackOptions {
  /** Declared evaluations: values of these names are checked. `thumbs` (boolean) is declared unless given here. */
  evaluations?: Record<string, EvaluationSpec>;
  /** Refuse names that are not declared (default false: undeclared names take numbers and booleans). */
  strict?: boolean;
  /** Sign and verify tokens (default: `PROMPTSCOPE_FEEDBACK_SECRET`; a list during a rotation, the first signs). */
  secret?: FeedbackSecret;
  /** Overrides of the implicit-signal mapping, merged over {@link DEFAULT_IMPLICIT_SCORES}. */
  implicitScores?: Partial<Record<ImplicitSignal, ImplicitScore>>;
  /** The evaluation name implicit signals are recorded under (default `implicit`). */
  implicitName?: string;
  /** The evaluation name `thumbs()` records (default `thumbs`). */
  thumbsName?: string;
  /** Longer comments are cut (default 2000 characters). */
  maxCommentLength?: number;
  /** Default: the global providers (set up by `@promptscope/register` or your own SDK), looked up per call. */
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  loggerProvider?: LoggerProvider;
}

export interface Feedback {
  /**
   * A token for the completion `result` came from (a response or stream an instrumented SDK returned, or a
   * `CompletionRef`); with no argument, for the active span and prompt. Undefined when no completion is
   * known (instrumentation off, no active span). Never throws.
   */
  token(...result: [] | [unknown]): string | undefined;
  /** Records feedback. Throws {@link FeedbackError} on invalid input; never for telemetry failures. */
  record(token: string, input: FeedbackInput): FeedbackResult;
  /** `record(token, { name: 'thumbs', value: up, kind: 'explicit', source: 'user' })`. */
  thumbs(token: string, up: boolean, extra?: Pick<FeedbackInput, 'comment' | 'id'>): FeedbackResult;
  /** Records an implicit signal, scored by the mapping, under the name `implicit` with the signal as label. */
  implicit(token: string, signal: ImplicitSignal, detail?: ImplicitDetail): FeedbackResult;
  /** Declares (or redeclares) an evaluation. */
  define(name: string, spec: EvaluationSpec): Evaluation;
  /** The declared evaluation, if any. */
  evaluation(name: string): Evaluation | undefined;
  /** Parses a token with this instance's secret. */
  parse(token: string): ParsedFeedbackToken;
}

// One set of instruments per meter provider, shared by every createFeedback() instance on it.
const feedbackInstruments = perMeterProvider(
  FEEDBACK_SCOPE,
  (meter) => ({
    score: meter.createHistogram(METRIC.FEEDBACK_SCORE, {
      unit: '1',
      description: 'Feedback scores (gen_ai.evaluation.score.value) on completions',
      advice: { explicitBucketBoundaries: FEEDBACK_SCORE_BUCKETS },
    }),
    count: meter.createCounter(METRIC.FEEDBACK_COUNT, {
      unit: '{feedback}',
      description: 'Feedback records on completions, with or without a score',
    }),
    rejected: meter.createCounter(METRIC.FEEDBACK_REJECTED, {
      unit: '{feedback}',
      description: 'Feedback refused as invalid, by error.type',
    }),
    internalErrors: meter.createCounter(METRIC.INSTRUMENTATION_ERRORS, {
      unit: '{error}',
      description: 'Failures inside promptscope, by stage',
    }),
  }),
  SCOPE_VERSION,
);
type Instruments = ReturnType<typeof feedbackInstruments>;

interface MetricSets {
  score: Attributes;
  count: Attributes;
}

const MAX_ATTRIBUTE_SETS = 2048;

export function createFeedback(options: FeedbackOptions = {}): Feedback {
  if (options === null || typeof options !== 'object') {
    throw new FeedbackError('invalid_input', 'createFeedback(options): expected an object.');
  }
  const explicitSecret = secretList(options.secret, 'createFeedback: `secret`');
  const implicitScores = checkImplicitScores(options.implicitScores);
  const implicitName = checkName(options.implicitName ?? 'implicit');
  const thumbsName = checkName(options.thumbsName ?? 'thumbs');
  const maxComment = options.maxCommentLength ?? 2000;
  if (!Number.isInteger(maxComment) || maxComment < 0) {
    throw new FeedbackError('invalid_input', 'createFeedback: `maxCommentLength` must be a whole number ≥ 0.');
  }
  const strict = options.strict === true;
  const registry = new Map<string, Evaluation>();
  registry.set(thumbsName, checkEvaluation(thumbsName, { type: 'boolean' }));
  for (const [name, spec] of Object.entries(options.evaluations ?? {})) {
    registry.set(checkName(name), checkEvaluation(name, spec));
  }

  let envCache: { raw: string | undefined; list: readonly string[] | undefined } | undefined;
  const secrets = (): readonly string[] | undefined => {
    if (explicitSecret !== undefined) return explicitSecret;
    const raw = process.env[SECRET_ENV] || undefined;
    if (envCache === undefined || envCache.raw !== raw) {
      const parts = raw
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      envCache = { raw, list: parts === undefined || parts.length === 0 ? undefined : secretList(parts, SECRET_ENV) };
    }
    return envCache.list;
  };

  let tracerCache: { provider: TracerProvider; tracer: Tracer } | undefined;
  let loggerCache: { provider: LoggerProvider; logger: Logger } | undefined;
  // Token fields may come from a browser: the cache bounds what they can make us hold.
  const attributeSets = new BoundedCache<MetricSets>(MAX_ATTRIBUTE_SETS);

  const tracer = (): Tracer => {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    if (tracerCache?.provider !== provider) {
      tracerCache = { provider, tracer: provider.getTracer(FEEDBACK_SCOPE, SCOPE_VERSION) };
    }
    return tracerCache.tracer;
  };
  const logger = (): Logger => {
    const provider = options.loggerProvider ?? logs.getLoggerProvider();
    if (loggerCache?.provider !== provider) {
      loggerCache = { provider, logger: provider.getLogger(FEEDBACK_SCOPE, SCOPE_VERSION) };
    }
    return loggerCache.logger;
  };
  const instruments = (): Instruments => feedbackInstruments(options.meterProvider);

  const internalError = (stage: string, err: unknown): void => {
    try {
      diag.error(`@promptscope/feedback: ${stage} failed: ${err instanceof Error ? err.message : String(err)}`);
      instruments().internalErrors.add(1, { stage: `feedback.${stage}` });
    } catch {
      // reporting must never be what breaks the app
    }
  };

  const rejected = (err: unknown): void => {
    if (!(err instanceof FeedbackError)) return;
    try {
      instruments().rejected.add(1, { [ATTR.ERROR_TYPE]: err.code });
    } catch {
      // never let counting hide the caller's error
    }
  };

  const metricSets = (t: FeedbackTokenFields, name: string, kind: FeedbackKind, label: string | undefined) => {
    const key = `${t.promptName ?? ''}\u0000${t.promptVersion ?? ''}\u0000${t.model ?? ''}\u0000${name}\u0000${kind}\u0000${label ?? ''}`;
    return attributeSets.get(key, () => {
      const score: Attributes = { [ATTR.EVALUATION_NAME]: name, [ATTR.FEEDBACK_KIND]: kind };
      if (t.promptName !== undefined) score[ATTR.PROMPT_NAME] = t.promptName;
      if (t.promptVersion !== undefined) score[ATTR.PROMPT_VERSION] = t.promptVersion;
      if (t.model !== undefined) score[ATTR.RESPONSE_MODEL] = t.model;
      const count: Attributes = { ...score };
      if (label !== undefined) count[ATTR.EVALUATION_SCORE_LABEL] = label;
      return { score: Object.freeze(score), count: Object.freeze(count) };
    });
  };

  const parse = (token: string): ParsedFeedbackToken => {
    const list = secrets();
    const parsed = parseFeedbackToken(token, { secret: list });
    if (list === undefined && parsed.signed) {
      throw new FeedbackError(
        'token_signature',
        `This feedback token is signed, but this process has no secret to verify it. Set ${SECRET_ENV} (or the \`secret\` option) to the secret of the process that made the token.`,
      );
    }
    return parsed;
  };

  interface Checked {
    name: string;
    kind: FeedbackKind;
    source: FeedbackSource;
    comment?: string;
    id?: string;
    editRatio?: number;
    value: Normalized;
  }

  const checkCommon = (input: Partial<FeedbackInput>, defaultKind: FeedbackKind) => {
    const kind = input.kind ?? defaultKind;
    if (!KINDS.includes(kind)) {
      throw new FeedbackError(
        'invalid_input',
        `Unknown feedback kind ${JSON.stringify(kind)}; use ${KINDS.join(', ')}.`,
      );
    }
    const source = input.source ?? DEFAULT_SOURCE[kind];
    if (!SOURCES.includes(source)) {
      throw new FeedbackError(
        'invalid_input',
        `Unknown feedback source ${JSON.stringify(source)}; use ${SOURCES.join(', ')}.`,
      );
    }
    let comment: string | undefined;
    if (input.comment !== undefined && input.comment !== null) {
      if (typeof input.comment !== 'string') {
        throw new FeedbackError('invalid_input', 'The feedback comment must be a string.');
      }
      comment = input.comment.length > maxComment ? `${input.comment.slice(0, maxComment)}…` : input.comment;
      if (comment === '') comment = undefined;
    }
    const id =
      input.id === undefined || input.id === null ? undefined : checkShortString('The feedback id', input.id, 128);
    return { kind, source, comment, id };
  };

  const emit = (t: ParsedFeedbackToken, c: Checked): FeedbackResult => {
    const attrs: Attributes = {
      [ATTR.EVALUATION_NAME]: c.name,
      [ATTR.FEEDBACK_KIND]: c.kind,
      [ATTR.FEEDBACK_SOURCE]: c.source,
    };
    if (c.value.score !== undefined) attrs[ATTR.EVALUATION_SCORE_VALUE] = c.value.score;
    if (c.value.label !== undefined) attrs[ATTR.EVALUATION_SCORE_LABEL] = c.value.label;
    if (c.comment !== undefined) attrs[ATTR.EVALUATION_EXPLANATION] = c.comment;
    if (c.id !== undefined) attrs[ATTR.FEEDBACK_ID] = c.id;
    if (c.editRatio !== undefined) attrs[ATTR.FEEDBACK_EDIT_RATIO] = c.editRatio;
    if (t.responseId !== undefined) attrs[ATTR.RESPONSE_ID] = t.responseId;
    if (t.provider !== undefined) attrs[ATTR.PROVIDER_NAME] = t.provider;
    if (t.model !== undefined) attrs[ATTR.RESPONSE_MODEL] = t.model;
    if (t.promptName !== undefined) attrs[ATTR.PROMPT_NAME] = t.promptName;
    if (t.promptVersion !== undefined) attrs[ATTR.PROMPT_VERSION] = t.promptVersion;
    if (t.promptLabel !== undefined) attrs[ATTR.PROMPT_LABEL] = t.promptLabel;

    const completion = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: t.traceId,
      spanId: t.spanId,
      traceFlags: t.traceFlags,
      isRemote: true,
    });

    try {
      // The request that carried the feedback (if traced) is linked, since the span's parent is the completion.
      const active = trace.getActiveSpan()?.spanContext();
      const links: Link[] =
        active !== undefined && isSpanContextValid(active) && active.traceId !== t.traceId ? [{ context: active }] : [];
      tracer()
        .startSpan(`evaluation ${c.name}`, { kind: SpanKind.INTERNAL, attributes: attrs, links }, completion)
        .end();
    } catch (err) {
      internalError('span', err);
    }
    try {
      logger().emit({
        eventName: EVALUATION_EVENT,
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        attributes: { 'event.name': EVALUATION_EVENT, ...attrs },
        context: completion,
      });
    } catch (err) {
      internalError('event', err);
    }
    try {
      const i = instruments();
      const sets = metricSets(t, c.name, c.kind, c.value.label);
      if (c.value.score !== undefined) i.score.record(c.value.score, sets.score);
      i.count.add(1, sets.count);
    } catch (err) {
      internalError('metrics', err);
    }

    const result: FeedbackResult = {
      name: c.name,
      kind: c.kind,
      source: c.source,
      traceId: t.traceId,
      spanId: t.spanId,
    };
    if (c.value.score !== undefined) result.score = c.value.score;
    if (c.value.label !== undefined) result.label = c.value.label;
    if (c.id !== undefined) result.id = c.id;
    return Object.freeze(result);
  };

  const record = (token: string, input: FeedbackInput): FeedbackResult => {
    let parsed: ParsedFeedbackToken;
    let checked: Checked;
    try {
      if (input === null || typeof input !== 'object') {
        throw new FeedbackError(
          'invalid_input',
          'recordFeedback(token, input): expected { name, value, kind?, comment?, id? }.',
        );
      }
      const name = checkName(input.name);
      const common = checkCommon(input, 'explicit');
      parsed = parse(token);
      const evaluation = registry.get(name);
      if (evaluation === undefined && strict) {
        throw new FeedbackError(
          'evaluation_unknown',
          `Unknown evaluation "${name}" (strict mode); declared: ${[...registry.keys()].join(', ')}. Declare it with defineEvaluation() or the \`evaluations\` option.`,
        );
      }
      checked = { name, ...common, value: normalizeValue(name, input.value, evaluation) };
    } catch (err) {
      rejected(err);
      throw err;
    }
    return emit(parsed, checked);
  };

  const implicit = (token: string, signal: ImplicitSignal, detail: ImplicitDetail = {}): FeedbackResult => {
    let parsed: ParsedFeedbackToken;
    let checked: Checked;
    try {
      const s = checkSignal(signal);
      if (detail === null || typeof detail !== 'object') {
        throw new FeedbackError('invalid_input', 'recordImplicit(token, signal, detail): `detail` must be an object.');
      }
      let ratio: number | undefined;
      if (detail.editRatio !== undefined) {
        if (typeof detail.editRatio !== 'number' || !(detail.editRatio >= 0 && detail.editRatio <= 1)) {
          throw new FeedbackError(
            'value_range',
            `Implicit signal "${s}": editRatio must be a number from 0 (unchanged) to 1 (rewritten), got ${String(detail.editRatio)}.`,
          );
        }
        ratio = detail.editRatio;
      } else if (detail.original !== undefined || detail.edited !== undefined) {
        ratio = editRatio(detail.original as string, detail.edited as string);
      }
      if (s === 'edited' && ratio === undefined) {
        throw new FeedbackError(
          'invalid_input',
          'Implicit signal "edited" needs detail.editRatio (0..1), or detail.original and detail.edited to compute it.',
        );
      }
      const common = checkCommon(
        { kind: 'implicit', source: detail.source, comment: detail.comment, id: detail.id },
        'implicit',
      );
      parsed = parse(token);
      const ctx = ratio === undefined ? { signal: s } : { signal: s, editRatio: ratio };
      const score = implicitScore(implicitScores, ctx);
      checked = {
        name: implicitName,
        ...common,
        ...(ratio === undefined ? {} : { editRatio: ratio }),
        value: score === undefined ? { label: s } : { score, label: s },
      };
    } catch (err) {
      rejected(err);
      throw err;
    }
    return emit(parsed, checked);
  };

  const token = (...args: [] | [unknown]): string | undefined => {
    try {
      let fields: FeedbackTokenFields | undefined;
      if (args.length === 0) {
        const ctx = trace.getActiveSpan()?.spanContext();
        if (ctx === undefined || !isSpanContextValid(ctx)) return undefined;
        const prompt = getPrompt();
        fields = { traceId: ctx.traceId, spanId: ctx.spanId, traceFlags: ctx.traceFlags };
        if (prompt !== undefined) {
          fields.promptName = prompt.name;
          fields.promptVersion = prompt.version;
          if (prompt.label !== undefined) fields.promptLabel = prompt.label;
        }
      } else {
        fields = completionOf(args[0]) ?? asRef(args[0]);
        if (fields === undefined) return undefined;
      }
      return encodeFeedbackToken(fields, { secret: secrets() });
    } catch (err) {
      internalError('token', err);
      return undefined;
    }
  };

  return {
    token,
    record,
    implicit,
    thumbs: (t, up, extra = {}) => {
      if (typeof up !== 'boolean') {
        const err = new FeedbackError(
          'value_type',
          `thumbs(token, up): \`up\` must be true or false, got ${typeof up}.`,
        );
        rejected(err);
        throw err;
      }
      return record(t, { name: thumbsName, value: up, kind: 'explicit', source: 'user', ...extra });
    },
    define(name, spec) {
      const n = checkName(name);
      const evaluation = checkEvaluation(n, spec);
      registry.set(n, evaluation);
      return evaluation;
    },
    evaluation: (name) => registry.get(name),
    parse,
  };
}

/** A `CompletionRef` (or the same shape) passed directly. */
function asRef(value: unknown): FeedbackTokenFields | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Partial<CompletionRef>;
  if (typeof v.traceId !== 'string' || typeof v.spanId !== 'string') return undefined;
  const { traceId, spanId, traceFlags, provider, model, responseId, promptName, promptVersion, promptLabel } = v;
  return {
    traceId,
    spanId,
    traceFlags: traceFlags ?? 0,
    provider,
    model,
    responseId,
    promptName,
    promptVersion,
    promptLabel,
  };
}

let defaultFeedback: Feedback | undefined;

/** The instance behind the module-level functions: global providers, secret from the environment. */
export function feedback(): Feedback {
  defaultFeedback ??= createFeedback();
  return defaultFeedback;
}

/** A feedback token for the completion `result` came from, or for the active span. See {@link Feedback.token}. */
export function feedbackToken(...result: [] | [unknown]): string | undefined {
  return feedback().token(...result);
}

/** Records feedback on the completion a token points at. See {@link Feedback.record}. */
export function recordFeedback(token: string, input: FeedbackInput): FeedbackResult {
  return feedback().record(token, input);
}

/** Thumbs up or down. See {@link Feedback.thumbs}. */
export function thumbs(token: string, up: boolean, extra?: Pick<FeedbackInput, 'comment' | 'id'>): FeedbackResult {
  return feedback().thumbs(token, up, extra);
}

/** An implicit signal, scored by the default mapping. See {@link Feedback.implicit}. */
export function recordImplicit(token: string, signal: ImplicitSignal, detail?: ImplicitDetail): FeedbackResult {
  return feedback().implicit(token, signal, detail);
}

/** Declares an evaluation on the default instance. */
export function defineEvaluation(name: string, spec: EvaluationSpec): Evaluation {
  return feedback().define(name, spec);
}
