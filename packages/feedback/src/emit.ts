import {
  type Attributes,
  diag,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  SpanKind,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { type Logger, type LoggerProvider, logs, SeverityNumber } from '@opentelemetry/api-logs';
import { ATTR } from '@promptscope/core/provider';
import { FeedbackError } from './errors.js';
import type { Checked } from './input.js';
import { feedbackInstruments, type Instruments, metricSetsCache } from './instruments.js';
import type { ParsedFeedbackToken } from './token.js';
import { EVALUATION_EVENT, FEEDBACK_SCOPE, type FeedbackOptions, type FeedbackResult, SCOPE_VERSION } from './types.js';

export interface Emitter {
  emit(t: ParsedFeedbackToken, c: Checked): FeedbackResult;
  /** Reports a failure of our own code; never throws. */
  internalError(stage: string, err: unknown): void;
  /** Counts input refused with a {@link FeedbackError}; never throws. */
  rejected(err: unknown): void;
}

export function createEmitter(
  options: Pick<FeedbackOptions, 'tracerProvider' | 'meterProvider' | 'loggerProvider'>,
): Emitter {
  let tracerCache: { provider: TracerProvider; tracer: Tracer } | undefined;
  let loggerCache: { provider: LoggerProvider; logger: Logger } | undefined;
  const metricSets = metricSetsCache();

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

  return { emit, internalError, rejected };
}
