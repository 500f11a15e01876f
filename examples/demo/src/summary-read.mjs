/**
 * Reading the exported records the way the summary counts them: attribute values (an empty string is no value),
 * which spans are GenAI calls, and the feedback records among the logs or the spans.
 */
import { ATTR } from '@promptscope/core';
import { EVALUATION_EVENT } from '@promptscope/feedback';

/**
 * @typedef {object} SpanLike a FlatSpan, or anything with these fields
 * @property {Record<string, unknown>} attributes
 * @property {number} startTimeUnixNano
 * @property {number} endTimeUnixNano
 * @property {{ code: number }} [status]
 */

export const NONE = '(none)';

/** @param {unknown} v */
export function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** @param {unknown} v */
export function str(v) {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

/** @param {SpanLike} span */
export const isGenAi = (span) => span.attributes?.[ATTR.OPERATION_NAME] !== undefined;

export { EVALUATION_EVENT };

/**
 * @typedef {object} FeedbackRecord one `gen_ai.evaluation.result`, as an event or an `evaluation <name>` span
 * @property {string | undefined} traceId the completion's trace
 * @property {string | undefined} spanId the completion's span
 * @property {number} timeUnixNano
 * @property {Record<string, unknown>} attributes
 */

/**
 * The feedback events among exported log records (FlatLog[]): `eventName` (or the `event.name` attribute)
 * `gen_ai.evaluation.result`; their trace and span ids are the completion's.
 * @param {{ eventName?: string, attributes: Record<string, unknown>, traceId?: string, spanId?: string,
 *   timeUnixNano: number }[]} logs
 * @returns {FeedbackRecord[]}
 */
export function feedbackFromLogs(logs) {
  return logs
    .filter((l) => (l.eventName ?? l.attributes?.['event.name']) === EVALUATION_EVENT)
    .map((l) => ({ traceId: l.traceId, spanId: l.spanId, timeUnixNano: l.timeUnixNano, attributes: l.attributes }));
}

/**
 * The same from the `evaluation <name>` spans (for trace-only pipelines): the completion is the span's parent.
 * @param {(SpanLike & { name: string, traceId?: string, parentSpanId?: string })[]} spans
 * @returns {FeedbackRecord[]}
 */
export function feedbackFromSpans(spans) {
  return spans
    .filter((s) => s.name?.startsWith('evaluation ') && s.attributes?.[ATTR.EVALUATION_NAME] !== undefined)
    .map((s) => ({
      traceId: s.traceId,
      spanId: s.parentSpanId,
      timeUnixNano: s.startTimeUnixNano,
      attributes: s.attributes,
    }));
}
