// Targets and panels, as Grafana Foundation SDK builders (typed against Grafana's dashboard schema). Each panel
// has a width and height only: dashboard() (dashboard.mjs) gives it its explicit id and gridPos position.
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as sdk from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stats from '@grafana/grafana-foundation-sdk/stat';
import * as tables from '@grafana/grafana-foundation-sdk/table';
import * as texts from '@grafana/grafana-foundation-sdk/text';
import * as timeseriesPanel from '@grafana/grafana-foundation-sdk/timeseries';
import { DS, JAEGER_DS } from './datasources.mjs';

// alerting/test/outcomes.test.ts evaluates the panels' error ratio from here.
export { errorRatio } from './promql.mjs';

/** Calls `builder[method](value)` for each option that is set; the others are left to Grafana's defaults. */
const withDefined = (builder, options) => {
  for (const [method, value] of Object.entries(options)) if (value !== undefined) builder[method](value);
  return builder;
};

/** A Prometheus query in code mode. */
const promQuery = (expr, legendFormat) =>
  new prometheus.DataqueryBuilder()
    .datasource(DS)
    .editorMode(prometheus.QueryEditorMode.Code)
    .expr(expr)
    .legendFormat(legendFormat ?? '__auto');

/** A range query (timeseries). Exemplars on by default: they link to the trace in Jaeger. */
export const target = (expr, legendFormat, { exemplar = true } = {}) =>
  promQuery(expr, legendFormat).exemplar(exemplar).range();

/** An instant query in table format (one column per refId after the merge transformation). */
export const instantTarget = (expr, legendFormat) =>
  promQuery(expr, legendFormat).exemplar(false).format(prometheus.PromQueryFormat.Table).instant();

/** refIds A, B, C, ... in order. */
const refId = (i) => String.fromCharCode(65 + i);
const withRefIds = (targets) => targets.map((t, i) => t.refId(refId(i)));

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

/**
 * `{ mode, steps }` as the SDK's thresholds builder; a single green step when none are given.
 * @param {{ mode: 'absolute' | 'percentage', steps: { color: string, value: number | null }[] }} [t]
 */
const thresholdsOf = (t = { mode: 'absolute', steps: [{ color: 'green', value: null }] }) =>
  new sdk.ThresholdsConfigBuilder().mode(/** @type {sdk.ThresholdsMode} */ (t.mode)).steps(t.steps);

/** The last value of each series, as stat and bar gauge show it. */
const lastValue = () => new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false);

/** What every query panel shares: title, the datasource and size; description, unit, decimals, min, max if set. */
const queryPanel = (builder, { title, datasource = DS, w, h, ...optional }) =>
  withDefined(builder.title(title).datasource(datasource).span(w).height(h), optional);

export const timeseries = ({
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
}) =>
  queryPanel(new timeseriesPanel.PanelBuilder(), { title, description, w, h, unit, decimals, min, max })
    .drawStyle(bars ? common.GraphDrawStyle.Bars : common.GraphDrawStyle.Line)
    .lineWidth(1)
    .fillOpacity(stack || bars ? 60 : 10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .stacking(
      new common.StackingConfigBuilder().mode(stack ? common.StackingMode.Normal : common.StackingMode.None).group('A'),
    )
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    )
    .targets(withRefIds(targets));

export const stat = ({ title, description, unit, targets, w = 6, h = 4, decimals, thresholds }) =>
  queryPanel(new stats.PanelBuilder(), { title, description, w, h, unit, decimals })
    .colorScheme(new sdk.FieldColorBuilder().mode(sdk.FieldColorModeId.Thresholds))
    .thresholds(thresholdsOf(thresholds))
    .reduceOptions(lastValue())
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.Area)
    .textMode(common.BigValueTextMode.Auto)
    .justifyMode(common.BigValueJustifyMode.Auto)
    .orientation(common.VizOrientation.Auto)
    .targets(withRefIds(targets.map((t) => t.exemplar(false))));

/** A table panel: cells formatted by each field's unit, no footer. */
const tablePanel = (opts) =>
  queryPanel(new tables.PanelBuilder(), opts)
    .align(common.FieldTextAlignment.Auto)
    .cellOptions({ type: common.TableCellDisplayMode.Auto })
    .showHeader(true)
    .cellHeight(common.TableCellHeight.Sm)
    .footer(new common.TableFooterOptionsBuilder().show(false).reducer(['sum']));

/**
 * A table of instant queries merged on their labels. `columns` = [{ expr, name, unit }], one per query.
 */
export function table({ title, description, columns, w = 24, h = 8, sortBy }) {
  const targets = withRefIds(columns.map((c) => instantTarget(c.expr)));
  const renameByName = Object.fromEntries(columns.map((c, i) => [`Value #${refId(i)}`, c.name]));
  const panel = tablePanel({ title, description, w, h })
    .sortBy(sortBy ? [new common.TableSortByFieldStateBuilder().displayName(sortBy).desc(true)] : [])
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true }, renameByName } })
    .targets(targets);
  for (const c of columns.filter((c) => c.unit))
    panel.overrideByName(c.name, [
      { id: 'unit', value: c.unit },
      ...(c.decimals !== undefined ? [{ id: 'decimals', value: c.decimals }] : []),
    ]);
  return panel;
}

/** Horizontal bars of one instant query (e.g. a topk), one bar per series. */
export const barGauge = ({ title, description, unit, decimals, expr, legendFormat, w = 12, h = 8 }) =>
  queryPanel(new bargauge.PanelBuilder(), { title, description, w, h, unit, decimals })
    .min(0)
    .colorScheme(new sdk.FieldColorBuilder().mode(sdk.FieldColorModeId.ContinuousBlYlRd))
    .thresholds(thresholdsOf())
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .orientation(common.VizOrientation.Horizontal)
    .showUnfilled(true)
    .valueMode(common.BarGaugeValueMode.Color)
    .namePlacement(common.BarGaugeNamePlacement.Left)
    .sizing(common.BarGaugeSizing.Auto)
    .reduceOptions(lastValue())
    .targets(withRefIds([instantTarget(expr, legendFormat).format(prometheus.PromQueryFormat.TimeSeries)]));

/**
 * Grafana's Jaeger query (`queryType: 'search'`, `service`, `tags` in logfmt, optional `minDuration`, `limit`).
 * SDK 0.0.21 has no Jaeger query type, so this uses the SDK's escape hatch for any datasource: a
 * `cog.Builder<cog.Dataquery>` of our own, an object whose build() returns the query. `_implementsDataqueryVariant`
 * is the marker cog.Dataquery requires (the SDK's own query types carry it too); a function, it is not in the JSON.
 * @param {Record<string, unknown>} query
 * @returns {import('@grafana/grafana-foundation-sdk/cog').Builder<import('@grafana/grafana-foundation-sdk/cog').Dataquery>}
 */
const jaegerSearch = (query) => ({
  build: () => ({
    datasource: JAEGER_DS,
    refId: 'A',
    queryType: 'search',
    ...query,
    _implementsDataqueryVariant() {},
  }),
});

/**
 * A Jaeger trace search, shown as the trace list Jaeger returns: a table whose trace ids open the trace.
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
  const panel = tablePanel({ title, description, datasource: JAEGER_DS, w, h }).withTarget(
    jaegerSearch({ service: '$service', tags: logfmt, minDuration, limit }),
  );
  return repeat ? panel.repeat(repeat).repeatDirection('h').maxPerRow(2) : panel;
}

export const text = ({ title, content, w = 24, h = 4 }) =>
  new texts.PanelBuilder().title(title).span(w).height(h).mode(texts.TextMode.Markdown).content(content);

export const row = (title) => new sdk.RowBuilder(title).collapsed(false).gridPos({ h: 1, w: 24, x: 0, y: 0 });
