// Targets and panels. Plain objects on purpose: deterministic output; dashboard() (dashboard.mjs) assigns the
// explicit panel ids and gridPos positions.
import { DS, JAEGER_DS } from './datasources.mjs';

// alerting/test/outcomes.test.ts evaluates the panels' error ratio from here.
export { errorRatio } from './promql.mjs';

/** A range query (timeseries). Exemplars on by default: they link to the trace in Jaeger. */
export const target = (expr, legendFormat, { exemplar = true } = {}) => ({
  datasource: DS,
  editorMode: 'code',
  expr,
  exemplar,
  instant: false,
  legendFormat: legendFormat ?? '__auto',
  range: true,
});

/** An instant query in table format (one column per refId after the merge transformation). */
export const instantTarget = (expr, legendFormat) => ({
  datasource: DS,
  editorMode: 'code',
  expr,
  exemplar: false,
  format: 'table',
  instant: true,
  legendFormat: legendFormat ?? '__auto',
  range: false,
});

const withRefIds = (targets) => targets.map((t, i) => ({ ...t, refId: String.fromCharCode(65 + i) }));

/**
 * The collectors' own metrics (agents, gateways) carry no app labels: these panels are not filtered by the
 * dashboard's variables. One target per counter name: a regex on `__name__` inside rate() fails as soon as two
 * counters differ only by name (refused spans and refused metric points of one receiver). Failure counters appear
 * on the first failure, so the first target adds `or on() vector(0)`: "none" shows as 0 (and only then).
 * @param {readonly string[]} names @param {string[]} labels @param {(name: string) => string} legend
 */
export const collectorRates = (names, labels, legend) =>
  names.map((name, i) =>
    target(
      `sum by (${labels.join(', ')}) (rate(${name}[$__rate_interval]))${i === 0 ? ' or on() vector(0)' : ''}`,
      legend(name),
      { exemplar: false },
    ),
  );

export function timeseries({
  title,
  description,
  unit,
  targets,
  w = 12,
  h = 8,
  stack = false,
  min,
  max,
  decimals,
  bars = false,
}) {
  return {
    type: 'timeseries',
    title,
    description,
    datasource: DS,
    gridPos: { w, h },
    fieldConfig: {
      defaults: {
        unit,
        min,
        max,
        decimals,
        custom: {
          drawStyle: bars ? 'bars' : 'line',
          lineWidth: 1,
          fillOpacity: stack || bars ? 60 : 10,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['mean', 'max', 'lastNotNull'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: withRefIds(targets),
  };
}

export function stat({ title, description, unit, targets, w = 6, h = 4, decimals, thresholds }) {
  return {
    type: 'stat',
    title,
    description,
    datasource: DS,
    gridPos: { w, h },
    fieldConfig: {
      defaults: {
        unit,
        decimals,
        color: { mode: 'thresholds' },
        thresholds: thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
    targets: withRefIds(targets.map((t) => ({ ...t, exemplar: false }))),
  };
}

/**
 * A table of instant queries merged on their labels. `columns` = [{ expr, name, unit }], one per query.
 */
export function table({ title, description, columns, w = 24, h = 8, sortBy }) {
  const targets = withRefIds(columns.map((c) => instantTarget(c.expr)));
  const renameByName = Object.fromEntries(targets.map((t, i) => [`Value #${t.refId}`, columns[i].name]));
  return {
    type: 'table',
    title,
    description,
    datasource: DS,
    gridPos: { w, h },
    fieldConfig: {
      defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
      overrides: columns
        .filter((c) => c.unit)
        .map((c) => ({
          matcher: { id: 'byName', options: c.name },
          properties: [
            { id: 'unit', value: c.unit },
            ...(c.decimals !== undefined ? [{ id: 'decimals', value: c.decimals }] : []),
          ],
        })),
    },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], fields: '' },
      sortBy: sortBy ? [{ displayName: sortBy, desc: true }] : [],
    },
    transformations: [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName: { Time: true }, renameByName } },
    ],
    targets,
  };
}

/** Horizontal bars of one instant query (e.g. a topk), one bar per series. */
export function barGauge({ title, description, unit, decimals, expr, legendFormat, w = 12, h = 8 }) {
  return {
    type: 'bargauge',
    title,
    description,
    datasource: DS,
    gridPos: { w, h },
    fieldConfig: {
      defaults: {
        unit,
        decimals,
        min: 0,
        color: { mode: 'continuous-BlYlRd' },
        thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides: [],
    },
    options: {
      displayMode: 'gradient',
      orientation: 'horizontal',
      showUnfilled: true,
      valueMode: 'color',
      namePlacement: 'left',
      sizing: 'auto',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    },
    targets: withRefIds([{ ...instantTarget(expr, legendFormat), format: 'time_series' }]),
  };
}

/**
 * A Jaeger trace search (Grafana's Jaeger query: `queryType: 'search'`, `service`, `tags` in logfmt, optional
 * `minDuration`, `limit`), shown as the trace list Jaeger returns: a table whose trace ids open the trace.
 * Jaeger searches one service with exact tag values: the panel is repeated per `repeat` variable value so that
 * a multi-valued variable (e.g. `version`) becomes one exact value per panel.
 * @param {{ title: string, description?: string, tags: Record<string, string>, minDuration?: string,
 *   limit?: number, repeat?: string, w?: number, h?: number }} opts
 */
export function traceSearch({ title, description, tags, minDuration, limit = 20, repeat, w = 24, h = 8 }) {
  // logfmt, every value quoted: Grafana sends each as a string tag value (`error="true"` too).
  const logfmt = Object.entries(tags)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return {
    type: 'table',
    title,
    description,
    datasource: JAEGER_DS,
    gridPos: { w, h },
    ...(repeat ? { repeat, repeatDirection: 'h', maxPerRow: 2 } : {}),
    fieldConfig: { defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } }, overrides: [] },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } },
    targets: [
      {
        datasource: JAEGER_DS,
        refId: 'A',
        queryType: 'search',
        service: '$service',
        tags: logfmt,
        minDuration,
        limit,
      },
    ],
  };
}

export const text = ({ title, content, w = 24, h = 4 }) => ({
  type: 'text',
  title,
  gridPos: { w, h },
  options: { mode: 'markdown', content },
});

export const row = (title) => ({ type: 'row', title, collapsed: false, gridPos: { w: 24, h: 1 }, panels: [] });
