/**
 * The stats every summary table shares (CallStats), computed in one pass whatever a table groups calls by.
 */
import { ATTR } from '@promptscope/core';
import { isGenAi, num, str } from './summary-read.mjs';

/** @typedef {import('./summary-read.mjs').SpanLike} SpanLike */

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
export function groupCalls(spans, keyOf, init, update) {
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

    const errorType = str(a[ATTR.ERROR_TYPE]) ?? (span.status?.code === 2 ? '_OTHER' : undefined);
    if (errorType !== undefined) {
      row.errors++;
      row.errorTypes[errorType] = (row.errorTypes[errorType] ?? 0) + 1;
    } else {
      g.latencies.push((span.endTimeUnixNano - span.startTimeUnixNano) / 1e6);
    }

    if (a[ATTR.REQUEST_STREAM] === true) {
      row.streams++;
      const ttft = num(a[ATTR.RESPONSE_TIME_TO_FIRST_CHUNK]);
      if (ttft !== undefined) g.ttfts.push(ttft * 1000);
    }
    row.inputTokens += num(a[ATTR.USAGE_INPUT_TOKENS]) ?? 0;
    row.outputTokens += num(a[ATTR.USAGE_OUTPUT_TOKENS]) ?? 0;
    const cost = num(a[ATTR.COST_USD]);
    if (cost !== undefined) {
      row.costUsd += cost;
      row.priced++;
    }
    if (a[ATTR.COST_UNPRICED] === true) row.unpriced++;
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
