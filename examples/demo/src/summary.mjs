/**
 * Turns exported telemetry into the demo's per-prompt-version table. Pure functions over the flat
 * records of `@promptscope/testing`'s OTLP receiver (FlatSpan / FlatMetric), so they are unit-tested.
 */

/**
 * @typedef {object} SpanLike a FlatSpan, or anything with these fields
 * @property {Record<string, unknown>} attributes
 * @property {number} startTimeUnixNano
 * @property {number} endTimeUnixNano
 * @property {{ code: number }} [status]
 */

/**
 * @typedef {object} SummaryRow
 * @property {string} prompt
 * @property {string} version
 * @property {string} label
 * @property {number} calls
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

/**
 * One row per (prompt name, prompt version), sorted by name then version. Only GenAI client spans
 * (those with `gen_ai.operation.name`) count; calls outside `withPrompt` are grouped under "(none)".
 * @param {SpanLike[]} spans
 * @returns {SummaryRow[]}
 */
export function summarize(spans) {
  /** @type {Map<string, { row: SummaryRow, latencies: number[], ttfts: number[] }>} */
  const groups = new Map();
  for (const span of spans) {
    const a = span.attributes ?? {};
    if (a['gen_ai.operation.name'] === undefined) continue;
    const prompt = str(a['gen_ai.prompt.name']) ?? NONE;
    const version = str(a['gen_ai.prompt.version']) ?? NONE;
    const key = JSON.stringify([prompt, version]);
    let g = groups.get(key);
    if (g === undefined) {
      g = {
        row: {
          prompt,
          version,
          label: '',
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
        },
        latencies: [],
        ttfts: [],
      };
      groups.set(key, g);
    }
    const row = g.row;
    row.calls++;
    row.label ||= str(a['promptscope.prompt.label']) ?? '';

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
  return rows.sort(
    (x, y) => x.prompt.localeCompare(y.prompt) || x.version.localeCompare(y.version, 'en', { numeric: true }),
  );
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

/** @param {SummaryRow} row */
function fmtErrors(row) {
  if (row.errors === 0) return '0';
  const kinds = Object.entries(row.errorTypes)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([type, n]) => `${type}×${n}`)
    .join(' ');
  return `${row.errors} (${kinds})`;
}

/**
 * Cost is never shown as 0 when it is unknown: no priced call gives "-".
 * @param {SummaryRow} row
 */
function fmtCost(row) {
  const usd = row.priced > 0 ? `$${row.costUsd.toFixed(6)}` : '-';
  return row.unpriced > 0 ? `${usd} (${row.unpriced} unpriced)` : usd;
}

/**
 * A plain-text table, one line per row, columns aligned.
 * @param {SummaryRow[]} rows
 * @returns {string}
 */
export function formatTable(rows) {
  const header = [
    'prompt',
    'version',
    'label',
    'calls',
    'errors',
    'p50 ms',
    'p95 ms',
    'ttft p50 ms',
    'tokens in/out',
    'cost USD',
  ];
  const right = new Set([3, 5, 6, 7, 8, 9]);
  const body = rows.map((r) => [
    r.prompt,
    r.version,
    r.label || '-',
    String(r.calls),
    fmtErrors(r),
    fmtMs(r.p50Ms),
    fmtMs(r.p95Ms),
    fmtMs(r.ttftP50Ms),
    `${r.inputTokens}/${r.outputTokens}`,
    fmtCost(r),
  ]);
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
 * @param {MetricSeries[]} series
 * @returns {string}
 */
export function formatMetricSeries(series) {
  if (series.length === 0) return 'metrics: none arrived';
  return ['metrics (series / points received):', ...series.map((s) => `  ${s.name}: ${s.series} / ${s.points}`)].join(
    '\n',
  );
}
