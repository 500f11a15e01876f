/**
 * The summary's plain-text tables: aligned columns, and cost shown as "-" rather than 0 when it is unknown.
 */

/**
 * @typedef {import('./summary-calls.mjs').CallStats} CallStats
 * @typedef {import('./summary.mjs').Quality} Quality
 * @typedef {import('./summary.mjs').SummaryRow} SummaryRow
 * @typedef {import('./summary.mjs').ProviderRow} ProviderRow
 * @typedef {import('./summary.mjs').SegmentRow} SegmentRow
 * @typedef {import('./summary.mjs').RouteRow} RouteRow
 * @typedef {import('./summary.mjs').MetricSeries} MetricSeries
 */

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
