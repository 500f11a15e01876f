// Shared helpers: variables, selectors, PromQL fragments, panels and the dashboard shell (classic dashboard
// JSON, file-provisioned). Plain objects on purpose: deterministic output, explicit panel ids and gridPos.
import {
  bucket,
  COLLECTOR,
  COLLECTOR_L,
  COUNTERS,
  count,
  HISTOGRAMS,
  L,
  NEGATIVE_SCORE_LE,
  SPAN_L,
  sum,
} from './metrics.mjs';

/** Datasource uids, matched by provisioning/datasources/datasources.yaml. */
export const DATASOURCE_UIDS = Object.freeze({ prometheus: 'prometheus', jaeger: 'jaeger' });

/** Every panel and target queries the dashboard's datasource variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
export const DS = Object.freeze({ type: 'prometheus', uid: '${datasource}' });

export const TAGS = ['promptscope', 'llm', 'genai'];
export const SCHEMA_VERSION = 39;
/** Value used for "All" in every multi-value variable (matches an absent label too). */
export const ALL_VALUE = '.*';

// ---------------------------------------------------------------------------------------------------------
// Selectors

/** Matchers every promptscope metric query carries (variables job, provider, model, prompt, version). */
const VAR_MATCHERS = [
  `${L.job}=~"$job"`,
  `${L.provider}=~"$provider"`,
  `${L.model}=~"$model"`,
  `${L.prompt}=~"$prompt"`,
  `${L.version}=~"$version"`,
];

/** `{job=~"$job",…, extra…}` for the promptscope metrics. */
export const sel = (...extra) => `{${[...VAR_MATCHERS, ...extra].join(', ')}}`;

/** Same for spanmetrics series, where the service is the `service_name` dimension. */
export const spanSel = (...extra) =>
  `{${[`${SPAN_L.service}=~"$job"`, ...VAR_MATCHERS.slice(1), ...extra].join(', ')}}`;

/**
 * Selector for the route counters (createRoute), which carry no model or prompt labels: `job` always, and
 * `provider` when the series has `gen_ai_provider_name` (promptscope_provider_errors_total).
 */
export const routeSel = ({ provider = false } = {}, ...extra) =>
  `{${[`${L.job}=~"$job"`, ...(provider ? [`${L.provider}=~"$provider"`] : []), ...extra].join(', ')}}`;

/**
 * The model of a feedback series is the completion's response model (`gpt-4o-mini-2024-07-18`), where the
 * `model` variable lists request models (`gpt-4o-mini`): match it with an optional date suffix.
 */
export const FEEDBACK_MODEL_MATCHER = `${L.responseModel}=~"($model)(-[0-9]{4}-?[0-9]{2}-?[0-9]{2})?"`;

/**
 * Selector for the feedback metrics (@promptscope/feedback): `job`, `model` (on the response model, above),
 * `prompt`, `version`. They carry no provider label, so the `provider` variable does not apply to them.
 */
export const feedbackSel = (...extra) =>
  `{${[`${L.job}=~"$job"`, FEEDBACK_MODEL_MATCHER, `${L.prompt}=~"$prompt"`, `${L.version}=~"$version"`, ...extra].join(', ')}}`;

const feedbackSum = (metric, labels, matchers, range) =>
  `sum${by(labels)} (${range === '$__rate_interval' ? 'rate' : 'increase'}(${metric}${feedbackSel(...matchers)}[${range}]))`;

/** Mean feedback score by labels: sum / count of promptscope_feedback_score over `range`. */
export const feedbackMean = (labels = [], range = '$__rate_interval') =>
  `${feedbackSum(sum(HISTOGRAMS.feedbackScore), labels, [], range)}\n/\n${feedbackSum(count(HISTOGRAMS.feedbackScore), labels, [], range)}`;

/** Share of scored feedback at or below NEGATIVE_SCORE_LE (the `le` bucket over the count), by labels. */
export const feedbackNegativeRatio = (labels = [], range = '$__rate_interval') =>
  `${feedbackSum(bucket(HISTOGRAMS.feedbackScore), labels, [`le="${NEGATIVE_SCORE_LE}"`], range)}\n/\n${feedbackSum(count(HISTOGRAMS.feedbackScore), labels, [], range)}`;

/** Feedback records (scored or not) per second, or over `range` when it is not the rate interval. */
export const feedbackVolume = (labels = [], range = '$__rate_interval', matchers = []) =>
  feedbackSum(COUNTERS.feedback, labels, matchers, range);

export const ERROR = `${L.errorType}!=""`;
export const OK = `${L.errorType}=""`;

const by = (labels) => (labels.length ? ` by (${labels.join(', ')})` : '');

/** `sum by (labels) (rate(metric{sel}[$__rate_interval]))` */
export const rateSum = (metric, labels = [], matchers = [], range = '$__rate_interval') =>
  `sum${by(labels)} (rate(${metric}${sel(...matchers)}[${range}]))`;

/** `sum by (labels) (increase(metric{sel}[range]))` */
export const increaseSum = (metric, labels = [], matchers = [], range = '$__range') =>
  `sum${by(labels)} (increase(${metric}${sel(...matchers)}[${range}]))`;

/** Quantile of a classic histogram by labels. */
export const quantile = (q, histogram, labels = [], matchers = [], range = '$__rate_interval') =>
  `histogram_quantile(${q}, sum by (${['le', ...labels].join(', ')}) (rate(${bucket(histogram)}${sel(...matchers)}[${range}])))`;

/**
 * Error ratio by labels. The numerator falls back to 0 × traffic so a series with no failures shows 0, not
 * a gap (and the query returns data whenever there is traffic).
 */
export const errorRatio = (labels = [], range = '$__rate_interval', extraError = [ERROR]) => {
  const all = rateSum(count(HISTOGRAMS.duration), labels, [], range);
  const failed = rateSum(count(HISTOGRAMS.duration), labels, extraError, range);
  return `(${failed} or ${all} * 0)\n/\n${all}`;
};

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

/** Fill of each collector's sending queues (size over capacity, whatever the queue's sizer). */
export const queueFill = () =>
  `max by (${COLLECTOR_L.instance}, ${COLLECTOR_L.exporter}) (${COLLECTOR.queueSize} / ${COLLECTOR.queueCapacity})`;

/** Cost per call: USD rate over call rate. */
export const costPerCall = (labels = [], range = '$__rate_interval', matchers = []) =>
  `${rateSum(COUNTERS.cost, labels, matchers, range)}\n/\n${rateSum(count(HISTOGRAMS.duration), labels, matchers, range)}`;

/** The `segment` variable's matcher (withSegment): "All" (`.*`) also matches calls made outside any segment. */
export const SEGMENT = `${L.segment}=~"$segment"`;

/** Tokens per call: by token type, or of one token type (`input` / `output`) when `type` is given. */
export const tokensPerCall = (labels = [], range = '$__rate_interval', type) => {
  const l = type ? labels : [...labels, L.tokenType];
  const m = type ? [`${L.tokenType}="${type}"`] : [];
  return `${rateSum(`${HISTOGRAMS.tokens}_sum`, l, m, range)}\n/\n${rateSum(count(HISTOGRAMS.tokens), l, m, range)}`;
};

// ---------------------------------------------------------------------------------------------------------
// Variables

const VAR_METRIC = count(HISTOGRAMS.duration);

export const datasourceVariable = () => ({
  type: 'datasource',
  name: 'datasource',
  label: 'Data source',
  query: 'prometheus',
  current: { selected: false, text: 'Prometheus', value: DATASOURCE_UIDS.prometheus },
  hide: 0,
  includeAll: false,
  multi: false,
  options: [],
  refresh: 1,
  regex: '',
});

/** A label_values() query variable on the duration histogram, filtered by the variables before it. */
export function labelVariable({
  name,
  label,
  labelName,
  filters = [],
  multi = true,
  includeAll = true,
  metric = VAR_METRIC,
}) {
  const selector = filters.length ? `${metric}{${filters.join(', ')}}` : metric;
  const definition = `label_values(${selector}, ${labelName})`;
  return {
    type: 'query',
    name,
    label,
    datasource: DS,
    definition,
    query: { qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    current: includeAll ? { selected: true, text: ['All'], value: ['$__all'] } : {},
    hide: 0,
    includeAll,
    allValue: includeAll ? ALL_VALUE : undefined,
    multi,
    options: [],
    refresh: 2,
    regex: '',
    sort: 1,
  };
}

/** The standard set: datasource, job, provider, model, prompt, version. */
export function standardVariables({ promptSingle = false } = {}) {
  const job = `${L.job}=~"$job"`;
  const provider = `${L.provider}=~"$provider"`;
  const model = `${L.model}=~"$model"`;
  const prompt = `${L.prompt}=~"$prompt"`;
  return [
    datasourceVariable(),
    labelVariable({ name: 'job', label: 'Service', labelName: L.job }),
    labelVariable({ name: 'provider', label: 'Provider', labelName: L.provider, filters: [job] }),
    labelVariable({ name: 'model', label: 'Model', labelName: L.model, filters: [job, provider] }),
    promptSingle
      ? labelVariable({
          name: 'prompt',
          label: 'Prompt',
          labelName: L.prompt,
          filters: [job, provider, model],
          multi: false,
          includeAll: false,
        })
      : labelVariable({ name: 'prompt', label: 'Prompt', labelName: L.prompt, filters: [job, provider, model] }),
    labelVariable({ name: 'version', label: 'Version', labelName: L.version, filters: [job, prompt] }),
  ];
}

/** The user segment (`promptscope_user_segment`, set with withSegment), within the variables before it. */
export const segmentVariable = () =>
  labelVariable({
    name: 'segment',
    label: 'Segment',
    labelName: L.segment,
    filters: [`${L.job}=~"$job"`, `${L.provider}=~"$provider"`, `${L.model}=~"$model"`, `${L.prompt}=~"$prompt"`],
  });

/**
 * The Jaeger service of the trace search panels: one value (Jaeger searches one service at a time), the
 * `service_name` label (resource service.name; `job` adds the namespace) of the selected jobs and prompt.
 */
export const serviceVariable = () =>
  labelVariable({
    name: 'service',
    label: 'Jaeger service',
    labelName: L.serviceName,
    filters: [`${L.job}=~"$job"`, `${L.prompt}=~"$prompt"`],
    multi: false,
    includeAll: false,
  });

/**
 * The error.type of the failed-completions trace search: one value (Jaeger matches exact tag values; its `error=true`
 * search does not match OTLP error statuses in every storage, e.g. Jaeger v2's memory store), among the failed
 * calls of the selected jobs, prompt and versions.
 */
export const errorTypeVariable = () =>
  labelVariable({
    name: 'error_type',
    label: 'Error type (trace search)',
    labelName: L.errorType,
    filters: [`${L.job}=~"$job"`, `${L.prompt}=~"$prompt"`, `${L.version}=~"$version"`, `${L.errorType}!=""`],
    multi: false,
    includeAll: false,
  });

// ---------------------------------------------------------------------------------------------------------
// Targets and panels

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

/** The Jaeger datasource, by the uid provisioning/datasources/datasources.yaml gives it. */
export const JAEGER_DS = Object.freeze({ type: 'jaeger', uid: DATASOURCE_UIDS.jaeger });

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

// ---------------------------------------------------------------------------------------------------------
// Dashboard shell

/** Strip undefined values so the JSON is stable and minimal. */
const clean = (v) => JSON.parse(JSON.stringify(v));

/** Assign ids (1..n in order) and flow panels left to right, top to bottom; rows start a new line. */
function layout(panels) {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return panels.map((p, i) => {
    const { w, h } = p.gridPos;
    if (p.type === 'row' || x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    const placed = { id: i + 1, ...p, gridPos: { h, w, x, y } };
    x += w;
    lineHeight = Math.max(lineHeight, h);
    if (p.type === 'row') {
      y += h;
      x = 0;
      lineHeight = 0;
    }
    return placed;
  });
}

export function dashboard({ uid, title, description, variables, panels, time = { from: 'now-3h', to: 'now' } }) {
  return clean({
    uid,
    title,
    description,
    tags: TAGS,
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time,
    timepicker: {},
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [
      {
        title: 'promptscope',
        type: 'dashboards',
        tags: ['promptscope'],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
        icon: 'external link',
        targetBlank: false,
        tooltip: '',
        url: '',
      },
    ],
    templating: { list: variables },
    panels: layout(panels),
  });
}
