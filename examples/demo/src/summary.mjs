/**
 * Turns exported telemetry into the demo's tables: per prompt version (with its feedback quality), per
 * provider and model, and the outcomes of routed calls (fallback). Pure functions over the flat records of
 * `@promptscope/testing`'s OTLP receiver (FlatSpan / FlatMetric / FlatLog), so they are unit-tested.
 */

/**
 * @typedef {object} SpanLike a FlatSpan, or anything with these fields
 * @property {Record<string, unknown>} attributes
 * @property {number} startTimeUnixNano
 * @property {number} endTimeUnixNano
 * @property {{ code: number }} [status]
 */

/**
 * @typedef {object} CallStats what every table row holds, whatever it is grouped by
 * @property {number} calls provider calls (spans): a routed call's retries and fallbacks count one each
 * @property {number} errors
 * @property {Record<string, number>} errorTypes count per error.type
 * @property {number | undefined} p50Ms latency of successful calls
 * @property {number | undefined} p95Ms
 * @property {number | undefined} ttftP50Ms time to first chunk, streamed calls only
 * @property {number} streams
 * @property {number} inputTokens
 * @property {number} outputTokens
 * @property {number} costUsd sum over priced calls
 * @property {number} priced calls that carried a cost
 * @property {number} unpriced calls whose model had no price
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

const NONE = '(none)';

/**
 * Nearest-rank percentile: the smallest value with at least p% of the values at or below it.
 * @param {number[]} values
 * @param {number} p in (0, 100]
 * @returns {number | undefined}
 */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** @param {unknown} v */
function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** @param {unknown} v */
function str(v) {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

/** @returns {CallStats} */
function emptyStats() {
  return {
    calls: 0,
    errors: 0,
    errorTypes: {},
    p50Ms: undefined,
    p95Ms: undefined,
    ttftP50Ms: undefined,
    streams: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    priced: 0,
    unpriced: 0,
  };
}

/** @param {SpanLike} span */
const isGenAi = (span) => span.attributes?.['gen_ai.operation.name'] !== undefined;

/**
 * Groups the GenAI client spans (those with `gen_ai.operation.name`) by `keyOf` and computes each group's
 * stats. `init` gives a new group's identifying fields; `update` may fill more from later spans.
 * @template {CallStats} R
 * @param {SpanLike[]} spans
 * @param {(a: Record<string, unknown>) => unknown[]} keyOf
 * @param {(a: Record<string, unknown>) => Omit<R, keyof CallStats>} init
 * @param {(row: R, a: Record<string, unknown>) => void} [update]
 * @returns {R[]} in first-seen order
 */
function groupCalls(spans, keyOf, init, update) {
  /** @type {Map<string, { row: R, latencies: number[], ttfts: number[] }>} */
  const groups = new Map();
  for (const span of spans) {
    if (!isGenAi(span)) continue;
    const a = span.attributes;
    const key = JSON.stringify(keyOf(a));
    let g = groups.get(key);
    if (g === undefined) {
      g = { row: /** @type {R} */ ({ ...init(a), ...emptyStats() }), latencies: [], ttfts: [] };
      groups.set(key, g);
    }
    const row = g.row;
    row.calls++;
    update?.(row, a);

    const errorType = str(a['error.type']) ?? (span.status?.code === 2 ? '_OTHER' : undefined);
    if (errorType !== undefined) {
      row.errors++;
      row.errorTypes[errorType] = (row.errorTypes[errorType] ?? 0) + 1;
    } else {
      g.latencies.push((span.endTimeUnixNano - span.startTimeUnixNano) / 1e6);
    }

    if (a['gen_ai.request.stream'] === true) {
      row.streams++;
      const ttft = num(a['gen_ai.response.time_to_first_chunk']);
      if (ttft !== undefined) g.ttfts.push(ttft * 1000);
    }
    row.inputTokens += num(a['gen_ai.usage.input_tokens']) ?? 0;
    row.outputTokens += num(a['gen_ai.usage.output_tokens']) ?? 0;
    const cost = num(a['promptscope.cost.usd']);
    if (cost !== undefined) {
      row.costUsd += cost;
      row.priced++;
    }
    if (a['promptscope.cost.unpriced'] === true) row.unpriced++;
  }

  const rows = [];
  for (const { row, latencies, ttfts } of groups.values()) {
    row.p50Ms = percentile(latencies, 50);
    row.p95Ms = percentile(latencies, 95);
    row.ttftP50Ms = percentile(ttfts, 50);
    rows.push(row);
  }
  return rows;
}

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
  const prompt = (/** @type {Record<string, unknown>} */ a) => str(a['gen_ai.prompt.name']) ?? NONE;
  const version = (/** @type {Record<string, unknown>} */ a) => str(a['gen_ai.prompt.version']) ?? NONE;
  /** @type {SummaryRow[]} */
  const rows = groupCalls(
    spans,
    (a) => [prompt(a), version(a)],
    (a) => ({ prompt: prompt(a), version: version(a), label: '', ...NO_QUALITY }),
    (row, a) => {
      row.label ||= str(a['promptscope.prompt.label']) ?? '';
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
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

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
    .filter((s) => s.name?.startsWith('evaluation ') && s.attributes?.['gen_ai.evaluation.name'] !== undefined)
    .map((s) => ({
      traceId: s.traceId,
      spanId: s.parentSpanId,
      timeUnixNano: s.startTimeUnixNano,
      attributes: s.attributes,
    }));
}

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
    const id = str(r.attributes['promptscope.feedback.id']);
    const key =
      id === undefined ? `#${i}` : JSON.stringify([r.traceId, r.spanId, r.attributes['gen_ai.evaluation.name'], id]);
    const seen = latest.get(key);
    if (seen === undefined || r.timeUnixNano >= seen.timeUnixNano) latest.set(key, r);
  });
  /** @type {Map<string, { feedback: number, scored: number, sum: number, negative: number }>} */
  const groups = new Map();
  for (const { attributes: a } of latest.values()) {
    const key = JSON.stringify([str(a['gen_ai.prompt.name']) ?? NONE, str(a['gen_ai.prompt.version']) ?? NONE]);
    let g = groups.get(key);
    if (g === undefined) {
      g = { feedback: 0, scored: 0, sum: 0, negative: 0 };
      groups.set(key, g);
    }
    g.feedback++;
    const score = num(a['gen_ai.evaluation.score.value']);
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
    str(a['gen_ai.provider.name']) ?? str(a['gen_ai.system']) ?? NONE;
  const model = (/** @type {Record<string, unknown>} */ a) => str(a['gen_ai.request.model']) ?? NONE;
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
  const segment = (/** @type {Record<string, unknown>} */ a) => str(a['promptscope.user.segment']) ?? NONE;
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
 * One line per segment: calls, tokens, cost, cost per priced call, and its share of the total cost.
 * @param {SegmentRow[]} rows
 * @returns {string}
 */
export function formatSegmentTable(rows) {
  const total = rows.reduce((a, r) => a + r.costUsd, 0);
  return columns(
    ['segment', 'calls', 'tokens in/out', 'cost USD', 'USD/call', 'share'],
    new Set([1, 2, 3, 4, 5]),
    rows.map((r) => [
      r.segment,
      String(r.calls),
      `${r.inputTokens}/${r.outputTokens}`,
      fmtCost(r),
      r.priced > 0 ? `$${(r.costUsd / r.priced).toFixed(6)}` : '-',
      total > 0 && r.priced > 0 ? `${((r.costUsd / total) * 100).toFixed(0)}%` : '-',
    ]),
  );
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
    const route = str(a['promptscope.route.name']);
    // Provider spans under a route carry the route name too: the route span is the one without gen_ai.*.
    if (route === undefined || isGenAi(span) || a['promptscope.route.attempts'] === undefined) continue;
    let row = routes.get(route);
    if (row === undefined) {
      row = { route, calls: 0, fallbacks: 0, failed: 0, attempts: 0, answeredBy: {}, errorTypes: {} };
      routes.set(route, row);
    }
    row.calls++;
    row.attempts += num(a['promptscope.route.attempts']) ?? 0;
    if (a['promptscope.route.fallback'] === true) row.fallbacks++;
    const errorType = str(a['error.type']) ?? (span.status?.code === 2 ? '_OTHER' : undefined);
    if (errorType !== undefined) {
      row.failed++;
      row.errorTypes[errorType] = (row.errorTypes[errorType] ?? 0) + 1;
    } else {
      const target = str(a['promptscope.route.target']) ?? NONE;
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
    const message = str(span.attributes?.['promptscope.instrumentation.error']);
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

/** @param {number | undefined} ms */
function fmtMs(ms) {
  return ms === undefined ? '-' : String(Math.round(ms));
}

/**
 * `n (a×1 b×2)`, kinds sorted.
 * @param {number} n
 * @param {Record<string, number>} kinds
 */
function fmtCounts(n, kinds) {
  if (n === 0) return '0';
  return `${n} (${fmtKinds(kinds)})`;
}

/** @param {Record<string, number>} kinds */
function fmtKinds(kinds) {
  return Object.entries(kinds)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([type, n]) => `${type}×${n}`)
    .join(' ');
}

/**
 * Cost is never shown as 0 when it is unknown: no priced call gives "-".
 * @param {CallStats} row
 */
function fmtCost(row) {
  const usd = row.priced > 0 ? `$${row.costUsd.toFixed(6)}` : '-';
  return row.unpriced > 0 ? `${usd} (${row.unpriced} unpriced)` : usd;
}

const STATS_HEADER = ['calls', 'errors', 'p50 ms', 'p95 ms', 'ttft p50 ms', 'tokens in/out', 'cost USD'];

/** @param {CallStats} r */
const statsCells = (r) => [
  String(r.calls),
  fmtCounts(r.errors, r.errorTypes),
  fmtMs(r.p50Ms),
  fmtMs(r.p95Ms),
  fmtMs(r.ttftP50Ms),
  `${r.inputTokens}/${r.outputTokens}`,
  fmtCost(r),
];

/**
 * Aligned plain-text columns: header, a rule, one line per row.
 * @param {string[]} header
 * @param {Set<number>} right columns aligned right
 * @param {string[][]} body
 */
function columns(header, right, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  /** @param {string[]} cells */
  const line = (cells) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * A plain-text table, one line per prompt version, columns aligned.
 * @param {SummaryRow[]} rows
 * @returns {string}
 */
export function formatTable(rows) {
  return columns(
    ['prompt', 'version', 'label', ...STATS_HEADER, ...QUALITY_HEADER],
    new Set([3, 5, 6, 7, 8, 9, 10, 11, 12]),
    rows.map((r) => [r.prompt, r.version, r.label || '-', ...statsCells(r), ...qualityCells(r)]),
  );
}

const QUALITY_HEADER = ['feedback', 'mean score', 'negative'];

/** @param {Quality} r */
const qualityCells = (r) => [
  String(r.feedback),
  r.meanScore === undefined ? '-' : r.meanScore.toFixed(2),
  r.negativeRatio === undefined ? '-' : `${(r.negativeRatio * 100).toFixed(0)}%`,
];

/**
 * The same columns, one line per provider and model.
 * @param {ProviderRow[]} rows
 * @returns {string}
 */
export function formatProviderTable(rows) {
  return columns(
    ['provider', 'model', ...STATS_HEADER],
    new Set([2, 4, 5, 6, 7, 8]),
    rows.map((r) => [r.provider, r.model, ...statsCells(r)]),
  );
}

/**
 * One line per route: calls, how many fell back, failed, attempts, and which target answered.
 * @param {RouteRow[]} rows
 * @returns {string}
 */
export function formatRoutes(rows) {
  if (rows.length === 0) return 'routes: no routed calls';
  return columns(
    ['route', 'calls', 'fell back', 'failed', 'attempts', 'answered by'],
    new Set([1, 2, 3, 4]),
    rows.map((r) => [
      r.route,
      String(r.calls),
      String(r.fallbacks),
      fmtCounts(r.failed, r.errorTypes),
      String(r.attempts),
      fmtKinds(r.answeredBy) || '-',
    ]),
  );
}

/**
 * @param {MetricSeries[]} series
 * @returns {string}
 */
export function formatMetricSeries(series) {
  if (series.length === 0) return 'metrics: none arrived';
  return ['metrics (series / points received):', ...series.map((s) => `  ${s.name}: ${s.series} / ${s.points}`)].join(
    '\n',
  );
}
