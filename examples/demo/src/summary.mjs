/**
 * Turns exported telemetry into the demo's tables: per prompt version (with its feedback quality), per
 * provider and model, and the outcomes of routed calls (fallback). Pure functions over the flat records of
 * `@promptscope/testing`'s OTLP receiver (FlatSpan / FlatMetric / FlatLog), so they are unit-tested.
 * This module computes the figures and is what main.mjs and the tests import; reading the records
 * (summary-read.mjs), the stats every table shares (summary-calls.mjs) and the text (summary-format.mjs)
 * live beside it and are re-exported here.
 */
import { ATTR } from '@promptscope/core';
import { groupCalls } from './summary-calls.mjs';
import { isGenAi, NONE, num, str } from './summary-read.mjs';

export { percentile } from './summary-calls.mjs';
export {
  formatMetricSeries,
  formatProviderTable,
  formatRoutes,
  formatSegmentTable,
  formatTable,
} from './summary-format.mjs';
export { EVALUATION_EVENT, feedbackFromLogs, feedbackFromSpans } from './summary-read.mjs';

/**
 * @typedef {import('./summary-read.mjs').SpanLike} SpanLike
 * @typedef {import('./summary-read.mjs').FeedbackRecord} FeedbackRecord
 * @typedef {import('./summary-calls.mjs').CallStats} CallStats
 */

/**
 * @typedef {object} Quality feedback on a prompt version's completions (see {@link summarizeFeedback})
 * @property {number} feedback records, after "last wins"
 * @property {number | undefined} meanScore mean of the scored records
 * @property {number | undefined} negativeRatio share of the scored records with score <= NEGATIVE_SCORE
 */

/**
 * @typedef {CallStats & Quality & { prompt: string, version: string, label: string }} SummaryRow
 */

/**
 * @typedef {CallStats & { provider: string, model: string }} ProviderRow
 */

/**
 * @typedef {CallStats & { segment: string }} SegmentRow
 */

/** @param {string} x @param {string} y */
const byVersion = (x, y) => x.localeCompare(y, 'en', { numeric: true });

/**
 * One row per (prompt name, prompt version), sorted by name then version. Only GenAI client spans
 * (those with `gen_ai.operation.name`) count; calls outside `withPrompt` are grouped under "(none)". With
 * `feedback` (see {@link feedbackFromLogs}, {@link feedbackFromSpans}) each row gets its quality too.
 * @param {SpanLike[]} spans
 * @param {FeedbackRecord[]} [feedback]
 * @returns {SummaryRow[]}
 */
export function summarize(spans, feedback = []) {
  const prompt = (/** @type {Record<string, unknown>} */ a) => str(a[ATTR.PROMPT_NAME]) ?? NONE;
  const version = (/** @type {Record<string, unknown>} */ a) => str(a[ATTR.PROMPT_VERSION]) ?? NONE;
  /** @type {SummaryRow[]} */
  const rows = groupCalls(
    spans,
    (a) => [prompt(a), version(a)],
    (a) => ({ prompt: prompt(a), version: version(a), label: '', ...NO_QUALITY }),
    (row, a) => {
      row.label ||= str(a[ATTR.PROMPT_LABEL]) ?? '';
    },
  );
  const quality = summarizeFeedback(feedback);
  for (const row of rows) Object.assign(row, quality.get(JSON.stringify([row.prompt, row.version])) ?? NO_QUALITY);
  return rows.sort((x, y) => x.prompt.localeCompare(y.prompt) || byVersion(x.version, y.version));
}

/** @type {Quality} */
const NO_QUALITY = Object.freeze({ feedback: 0, meanScore: undefined, negativeRatio: undefined });

/**
 * A score at or below this is negative feedback (on the recommended 0..1 scale: a thumbs down, a regenerated,
 * discarded or abandoned answer, an edit that rewrote 60 % or more). The dashboards and the quality alert use
 * the same definition: the `le="0.4"` bucket of `promptscope_feedback_score`.
 */
export const NEGATIVE_SCORE = 0.4;

/**
 * Quality per (prompt name, prompt version), keyed by `JSON.stringify([prompt, version])`. Records with the
 * same completion, evaluation name and `promptscope.feedback.id` supersede each other: the latest wins.
 * @param {FeedbackRecord[]} records
 * @returns {Map<string, Quality>}
 */
export function summarizeFeedback(records) {
  /** @type {Map<string, FeedbackRecord>} */
  const latest = new Map();
  records.forEach((r, i) => {
    const id = str(r.attributes[ATTR.FEEDBACK_ID]);
    const key =
      id === undefined ? `#${i}` : JSON.stringify([r.traceId, r.spanId, r.attributes[ATTR.EVALUATION_NAME], id]);
    const seen = latest.get(key);
    if (seen === undefined || r.timeUnixNano >= seen.timeUnixNano) latest.set(key, r);
  });
  /** @type {Map<string, { feedback: number, scored: number, sum: number, negative: number }>} */
  const groups = new Map();
  for (const { attributes: a } of latest.values()) {
    const key = JSON.stringify([str(a[ATTR.PROMPT_NAME]) ?? NONE, str(a[ATTR.PROMPT_VERSION]) ?? NONE]);
    let g = groups.get(key);
    if (g === undefined) {
      g = { feedback: 0, scored: 0, sum: 0, negative: 0 };
      groups.set(key, g);
    }
    g.feedback++;
    const score = num(a[ATTR.EVALUATION_SCORE_VALUE]);
    if (score !== undefined) {
      g.scored++;
      g.sum += score;
      if (score <= NEGATIVE_SCORE) g.negative++;
    }
  }
  /** @type {Map<string, Quality>} */
  const out = new Map();
  for (const [key, g] of groups) {
    out.set(key, {
      feedback: g.feedback,
      meanScore: g.scored > 0 ? g.sum / g.scored : undefined,
      negativeRatio: g.scored > 0 ? g.negative / g.scored : undefined,
    });
  }
  return out;
}

/**
 * One row per (provider, requested model), sorted by provider then model.
 * @param {SpanLike[]} spans
 * @returns {ProviderRow[]}
 */
export function summarizeProviders(spans) {
  const provider = (/** @type {Record<string, unknown>} */ a) =>
    str(a[ATTR.PROVIDER_NAME]) ?? str(a['gen_ai.system']) ?? NONE;
  const model = (/** @type {Record<string, unknown>} */ a) => str(a[ATTR.REQUEST_MODEL]) ?? NONE;
  /** @type {ProviderRow[]} */
  const rows = groupCalls(
    spans,
    (a) => [provider(a), model(a)],
    (a) => ({ provider: provider(a), model: model(a) }),
  );
  return rows.sort((x, y) => x.provider.localeCompare(y.provider) || x.model.localeCompare(y.model));
}

/** The segment order of the demo (`plan.mjs`); others after them, by name, and "(none)" last. */
const SEGMENT_ORDER = ['free', 'pro', 'enterprise'];

/**
 * One row per user segment (`promptscope.user.segment`, set with `withSegment`; calls outside any segment under
 * "(none)"): calls, tokens and cost, from the spans (which keep the real segment even past the metrics' cap).
 * @param {SpanLike[]} spans
 * @returns {SegmentRow[]}
 */
export function summarizeSegments(spans) {
  const segment = (/** @type {Record<string, unknown>} */ a) => str(a[ATTR.USER_SEGMENT]) ?? NONE;
  /** @type {SegmentRow[]} */
  const rows = groupCalls(
    spans,
    (a) => [segment(a)],
    (a) => ({ segment: segment(a) }),
  );
  const rank = (/** @type {string} */ s) => {
    const i = SEGMENT_ORDER.indexOf(s);
    return i >= 0 ? i : s === NONE ? Number.MAX_SAFE_INTEGER : SEGMENT_ORDER.length;
  };
  return rows.sort((x, y) => rank(x.segment) - rank(y.segment) || x.segment.localeCompare(y.segment));
}

/**
 * @typedef {object} RouteRow
 * @property {string} route
 * @property {number} calls logical calls through the route
 * @property {number} fallbacks calls that moved on from a target to the next
 * @property {number} failed calls no target answered
 * @property {number} attempts provider attempts over all calls (retries and fallbacks included)
 * @property {Record<string, number>} answeredBy successful calls per target that answered
 * @property {Record<string, number>} errorTypes failed calls per error.type
 */

/**
 * Outcomes of routed calls, from the route spans (`route <name>`: `promptscope.route.name`, `.fallback`,
 * `.target`, `.attempts`; a failed call has status ERROR and `error.type`). Sorted by route name.
 * @param {SpanLike[]} spans
 * @returns {RouteRow[]}
 */
export function routeOutcomes(spans) {
  /** @type {Map<string, RouteRow>} */
  const routes = new Map();
  for (const span of spans) {
    const a = span.attributes ?? {};
    const route = str(a[ATTR.ROUTE_NAME]);
    // Provider spans under a route carry the route name too: the route span is the one without gen_ai.*.
    if (route === undefined || isGenAi(span) || a[ATTR.ROUTE_ATTEMPTS] === undefined) continue;
    let row = routes.get(route);
    if (row === undefined) {
      row = { route, calls: 0, fallbacks: 0, failed: 0, attempts: 0, answeredBy: {}, errorTypes: {} };
      routes.set(route, row);
    }
    row.calls++;
    row.attempts += num(a[ATTR.ROUTE_ATTEMPTS]) ?? 0;
    if (a[ATTR.ROUTE_FALLBACK] === true) row.fallbacks++;
    const errorType = str(a[ATTR.ERROR_TYPE]) ?? (span.status?.code === 2 ? '_OTHER' : undefined);
    if (errorType !== undefined) {
      row.failed++;
      row.errorTypes[errorType] = (row.errorTypes[errorType] ?? 0) + 1;
    } else {
      const target = str(a[ATTR.ROUTE_TARGET]) ?? NONE;
      row.answeredBy[target] = (row.answeredBy[target] ?? 0) + 1;
    }
  }
  return [...routes.values()].sort((x, y) => x.route.localeCompare(y.route));
}

/**
 * Failures promptscope reported about itself (`promptscope.instrumentation.error` on spans), by message.
 * @param {SpanLike[]} spans
 * @returns {[message: string, count: number][]}
 */
export function instrumentationErrors(spans) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const span of spans) {
    const message = str(span.attributes?.[ATTR.INSTRUMENTATION_ERROR]);
    if (message !== undefined) counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return [...counts.entries()];
}

/**
 * @typedef {object} MetricSeries
 * @property {string} name
 * @property {number} series distinct attribute sets
 * @property {number} points data points received over all exports
 */

/**
 * How many series (distinct attribute sets) and points arrived per metric name.
 * @param {{ name: string, points: { attributes: Record<string, unknown> }[] }[]} metrics FlatMetric[]
 * @returns {MetricSeries[]} sorted by name
 */
export function metricSeries(metrics) {
  /** @type {Map<string, { keys: Set<string>, points: number }>} */
  const byName = new Map();
  for (const m of metrics) {
    let entry = byName.get(m.name);
    if (entry === undefined) {
      entry = { keys: new Set(), points: 0 };
      byName.set(m.name, entry);
    }
    for (const p of m.points) {
      entry.points++;
      entry.keys.add(JSON.stringify(Object.entries(p.attributes ?? {}).sort(([x], [y]) => (x < y ? -1 : 1))));
    }
  }
  return [...byName.entries()]
    .map(([name, { keys, points }]) => ({ name, series: keys.size, points }))
    .sort((x, y) => x.name.localeCompare(y.name));
}
