// promptscope's Prometheus alert rules: the one source of truth.
//
//   import { renderRules } from './alerting/rules.mjs';
//   writeFileSync('rules.yml', renderRules({ window: '1m', forDuration: '0s' }));   // fast, for the e2e stack
//
// `node alerting/generate.mjs` writes alerting/rules/promptscope.rules.yml with the production defaults
// (DEFAULTS below); a test fails when that file differs from renderRules().
import { bucket, COUNTERS, count, HISTOGRAMS, L, NEGATIVE_SCORE_LE } from '../grafana-dashboards/src/metrics.mjs';
import { collectorRules } from './collector-rules.mjs';

export const DEFAULTS = Object.freeze({
  /** Rule group name and evaluation interval (undefined: Prometheus' global evaluation_interval). */
  groupName: 'promptscope',
  evaluationInterval: undefined,
  /** Window of rate()/increase() for the error, latency and TTFT alerts; must span >= 2 metric exports. */
  window: '5m',
  /** How long a condition must hold before the alert fires (Prometheus `for`). */
  forDuration: '5m',
  /** Labels the error, latency and TTFT alerts are computed by (one alert per combination). */
  by: [L.job, L.provider, L.model, L.prompt, L.version],
  /** Provider error ratio: failed calls / all calls over `window`. */
  errorRatio: 0.05,
  /** Fewest calls in `window` (per `by` combination) before the error, latency and TTFT alerts judge. */
  minRequests: 10,
  /** p95 of gen_ai.client.operation.duration (successful calls), seconds. */
  latencyP95Seconds: 10,
  /** p95 of gen_ai.client.operation.time_to_first_chunk (successful streams), seconds. */
  ttftP95Seconds: 3,
  /** Spend budget per `costBy` combination, USD per hour; the alert fires above it. */
  costBudgetUsdPerHour: 5,
  /** Window over which the spend rate is measured (default: `window`). */
  costWindow: undefined,
  costBy: [L.job],
  /**
   * Spend budget per user segment (withSegment: label promptscope_user_segment), USD per hour over `costWindow`:
   * one rule per named segment, and `default` for every other segment (omit it to leave them unbudgeted). Calls
   * outside any segment are not judged here (PromptscopeCostOverBudget covers all spend). Example:
   * `{ free: 1, pro: 5, enterprise: 20, default: 5 }`.
   */
  segmentBudgetsUsdPerHour: Object.freeze({ default: 5 }),
  /** Traffic stopped: a job that made calls within `trafficLookback` but none within `trafficWindow`. */
  trafficLookback: '1h',
  /** default: `window` */
  trafficWindow: undefined,
  /**
   * Quality drop (user feedback, @promptscope/feedback): share of scored feedback at or below 0.4 (thumbs down,
   * regenerated, heavily edited...) over `qualityWindow`, per `qualityBy`. Feedback is sparser than calls, so
   * its window is longer than `window`.
   */
  negativeFeedbackRatio: 0.3,
  /** Fewest scored feedback records in `qualityWindow` (per `qualityBy` combination) before judging. */
  minFeedback: 20,
  qualityWindow: '1h',
  /** Feedback carries no provider and the response model: judged per service, prompt and version. */
  qualityBy: [L.job, L.prompt, L.version],
  /** Window of the collector alerts (dropped, refused data); default: `window`. */
  collectorWindow: undefined,
  /** A collector's sending queue fuller than this share of its capacity (PromptscopeCollectorQueueFilling). */
  queueFillRatio: 0.8,
  severity: Object.freeze({
    collectorDrops: 'critical',
    collectorQueue: 'warning',
    collectorRefused: 'warning',
    errorRatio: 'critical',
    latency: 'warning',
    ttft: 'warning',
    cost: 'warning',
    segmentCost: 'warning',
    trafficStopped: 'critical',
    quality: 'warning',
  }),
  /** When set (e.g. http://grafana:3000), annotations link to the dashboards. */
  grafanaUrl: '',
});

/** The README's example of per-segment budgets; alerting/tests/segment-budgets.rules.yml is rendered with it. */
export const SEGMENT_BUDGETS_EXAMPLE = Object.freeze({ free: 1, pro: 5, enterprise: 20, default: 5 });

const calls = count(HISTOGRAMS.duration);
const PROMPT =
  '{{ with $labels.gen_ai_prompt_name }}, prompt {{ . }}{{ end }}{{ with $labels.gen_ai_prompt_version }} version {{ . }}{{ end }}';
const WHERE = `{{ $labels.gen_ai_provider_name }} model {{ $labels.gen_ai_request_model }} (service {{ $labels.job }}${PROMPT})`;
const QWHERE =
  'prompt {{ $labels.gen_ai_prompt_name }} version {{ $labels.gen_ai_prompt_version }} (service {{ $labels.job }})';
const SEGMENT_WHERE = 'segment {{ $labels.promptscope_user_segment }} (service {{ $labels.job }})';
const regexEscape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const percent = (x) => `${Math.round(x * 10000) / 100}%`;
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** @param {Partial<typeof DEFAULTS>} [options] @returns {object} the rule group file as an object */
export function buildRules(options = {}) {
  const o = { ...DEFAULTS, ...options, severity: { ...DEFAULTS.severity, ...options.severity } };
  o.costWindow ??= o.window;
  o.trafficWindow ??= o.window;
  o.collectorWindow ??= o.window;
  for (const key of [
    'window',
    'forDuration',
    'costWindow',
    'trafficLookback',
    'trafficWindow',
    'qualityWindow',
    'collectorWindow',
  ])
    if (!DURATION.test(String(o[key])))
      throw new Error(`renderRules: ${key} must be a Prometheus duration, got ${o[key]}`);
  if (o.evaluationInterval !== undefined && !DURATION.test(String(o.evaluationInterval)))
    throw new Error(`renderRules: evaluationInterval must be a Prometheus duration, got ${o.evaluationInterval}`);
  for (const key of [
    'errorRatio',
    'minRequests',
    'latencyP95Seconds',
    'ttftP95Seconds',
    'costBudgetUsdPerHour',
    'negativeFeedbackRatio',
    'minFeedback',
    'queueFillRatio',
  ])
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key]) || o[key] < 0)
      throw new Error(`renderRules: ${key} must be a non-negative number, got ${o[key]}`);

  const budgets = o.segmentBudgetsUsdPerHour;
  if (budgets === null || typeof budgets !== 'object' || Array.isArray(budgets))
    throw new Error('renderRules: segmentBudgetsUsdPerHour must be an object: { segment: USD per hour, default? }');
  for (const [segment, usd] of Object.entries(budgets)) {
    if (segment === '' || segment.length > 64 || [...segment].some((c) => c.charCodeAt(0) < 32))
      throw new Error(`renderRules: segmentBudgetsUsdPerHour: ${JSON.stringify(segment)} is not a segment name`);
    if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0)
      throw new Error(`renderRules: segmentBudgetsUsdPerHour.${segment} must be a non-negative number, got ${usd}`);
  }

  const by = o.by.join(', ');
  const W = o.window;
  const qBy = o.qualityBy.join(', ');
  const QW = o.qualityWindow;
  const link = (uid) =>
    o.grafanaUrl
      ? {
          dashboard: `${o.grafanaUrl.replace(/\/$/, '')}/d/${uid}?var-job={{ $labels.job }}&var-provider={{ $labels.gen_ai_provider_name }}&var-model={{ $labels.gen_ai_request_model }}`,
        }
      : {};
  const guard = (metric, matchers = '') => `sum by (${by}) (increase(${metric}${matchers}[${W}])) >= ${o.minRequests}`;

  const rules = [
    {
      alert: 'PromptscopeProviderErrorRatioHigh',
      expr: [
        '(',
        `  sum by (${by}) (rate(${calls}{${L.errorType}!=""}[${W}]))`,
        '/',
        `  sum by (${by}) (rate(${calls}[${W}]))`,
        `) > ${o.errorRatio}`,
        'and',
        guard(calls),
      ].join('\n'),
      for: o.forDuration,
      labels: { severity: o.severity.errorRatio },
      annotations: {
        summary: `LLM calls failing: {{ $value | humanizePercentage }} of ${WHERE}`,
        description:
          `{{ $value | humanizePercentage }} of calls to ${WHERE} failed over the last ${W} ` +
          `(threshold ${percent(o.errorRatio)}, at least ${o.minRequests} calls). ` +
          'The Provider errors dashboard breaks them down by error.type.',
        ...link('promptscope-provider-errors'),
      },
    },
    {
      alert: 'PromptscopeLatencyP95High',
      expr: [
        `histogram_quantile(0.95, sum by (le, ${by}) (rate(${HISTOGRAMS.duration}_bucket{${L.errorType}=""}[${W}])))`,
        `  > ${o.latencyP95Seconds}`,
        'and',
        guard(calls, `{${L.errorType}=""}`),
      ].join('\n'),
      for: o.forDuration,
      labels: { severity: o.severity.latency },
      annotations: {
        summary: `LLM latency p95 {{ $value | humanizeDuration }} for ${WHERE}`,
        description:
          `p95 duration of successful calls to ${WHERE} is {{ $value | humanizeDuration }} over the last ${W} ` +
          `(threshold ${o.latencyP95Seconds}s).`,
        ...link('promptscope-llm-overview'),
      },
    },
    {
      alert: 'PromptscopeTimeToFirstTokenP95High',
      expr: [
        `histogram_quantile(0.95, sum by (le, ${by}) (rate(${HISTOGRAMS.ttft}_bucket[${W}])))`,
        `  > ${o.ttftP95Seconds}`,
        'and',
        guard(count(HISTOGRAMS.ttft)),
      ].join('\n'),
      for: o.forDuration,
      labels: { severity: o.severity.ttft },
      annotations: {
        summary: `LLM time to first token p95 {{ $value | humanizeDuration }} for ${WHERE}`,
        description:
          `p95 time to first token of successful streams to ${WHERE} is {{ $value | humanizeDuration }} over the ` +
          `last ${W} (threshold ${o.ttftP95Seconds}s).`,
        ...link('promptscope-llm-overview'),
      },
    },
    {
      alert: 'PromptscopeCostOverBudget',
      expr: `sum by (${o.costBy.join(', ')}) (rate(${COUNTERS.cost}[${o.costWindow}])) * 3600 > ${o.costBudgetUsdPerHour}`,
      for: o.forDuration,
      labels: { severity: o.severity.cost },
      annotations: {
        summary: `LLM spend {{ $value | printf "%.2f" }} USD/hour is over the ${o.costBudgetUsdPerHour} USD/hour budget (service {{ $labels.job }})`,
        description:
          `Service {{ $labels.job }} is spending {{ $value | printf "%.2f" }} USD per hour (measured over ${o.costWindow}), ` +
          `over the budget of ${o.costBudgetUsdPerHour} USD/hour. The LLM overview dashboard shows cost by model and prompt.`,
        ...link('promptscope-llm-overview'),
      },
    },
    ...segmentBudgetRules(o),
    {
      alert: 'PromptscopeTrafficStopped',
      expr: [
        `sum by (${L.job}) (increase(${calls}[${o.trafficLookback}])) > 0`,
        'unless',
        `sum by (${L.job}) (increase(${calls}[${o.trafficWindow}])) > 0`,
      ].join('\n'),
      for: o.forDuration,
      labels: { severity: o.severity.trafficStopped },
      annotations: {
        summary: 'LLM traffic stopped for service {{ $labels.job }}',
        description:
          `Service {{ $labels.job }} made LLM calls within the last ${o.trafficLookback} but none in the last ` +
          `${o.trafficWindow} (or stopped exporting metrics).`,
        ...link('promptscope-llm-overview'),
      },
    },
    {
      alert: 'PromptscopeQualityDrop',
      expr: [
        '(',
        `  sum by (${qBy}) (increase(${bucket(HISTOGRAMS.feedbackScore)}{le="${NEGATIVE_SCORE_LE}"}[${QW}]))`,
        '/',
        `  sum by (${qBy}) (increase(${count(HISTOGRAMS.feedbackScore)}[${QW}]))`,
        `) > ${o.negativeFeedbackRatio}`,
        'and',
        `sum by (${qBy}) (increase(${count(HISTOGRAMS.feedbackScore)}[${QW}])) >= ${o.minFeedback}`,
      ].join('\n'),
      for: o.forDuration,
      labels: { severity: o.severity.quality },
      annotations: {
        summary: `Quality drop: {{ $value | humanizePercentage }} negative feedback on ${QWHERE}`,
        description:
          `{{ $value | humanizePercentage }} of the scored feedback on ${QWHERE} over the last ${QW} is negative ` +
          `(score <= ${NEGATIVE_SCORE_LE}: thumbs down, regenerated or discarded answers, heavy edits; threshold ` +
          `${percent(o.negativeFeedbackRatio)}, at least ${o.minFeedback} records). Compare the versions on the ` +
          'Prompt versions dashboard; roll back with `promptscope prompt rollback`.',
        ...(o.grafanaUrl
          ? {
              dashboard: `${o.grafanaUrl.replace(/\/$/, '')}/d/promptscope-prompt-versions?var-job={{ $labels.job }}&var-prompt={{ $labels.gen_ai_prompt_name }}`,
            }
          : {}),
      },
    },
  ];

  const group = (name, list) => ({
    name,
    ...(o.evaluationInterval ? { interval: o.evaluationInterval } : {}),
    rules: list,
  });
  return { groups: [group(o.groupName, rules), group(`${o.groupName}-collectors`, collectorRules(o))] };
}

/**
 * PromptscopeSegmentOverBudget: one rule per named segment (its own budget), then one for every other segment
 * (`default`). Same alert name, so Alertmanager groups them; the segment is a label of each alert.
 */
function segmentBudgetRules(o) {
  const named = Object.entries(o.segmentBudgetsUsdPerHour).filter(([segment]) => segment !== 'default');
  const fallback = o.segmentBudgetsUsdPerHour.default;
  const S = L.segment;
  // `budget` names the budget that applied (the segment's own, or `default`): it also keeps the rules distinct.
  const rule = (matchers, budget, which, name) => ({
    alert: 'PromptscopeSegmentOverBudget',
    expr: `sum by (${L.job}, ${S}) (rate(${COUNTERS.cost}{${matchers}}[${o.costWindow}])) * 3600 > ${budget}`,
    for: o.forDuration,
    labels: { severity: o.severity.segmentCost, budget: name },
    annotations: {
      summary: `LLM spend of ${SEGMENT_WHERE} is {{ $value | printf "%.2f" }} USD/hour, over its ${budget} USD/hour budget`,
      description:
        `The ${SEGMENT_WHERE} is spending {{ $value | printf "%.2f" }} USD per hour (measured over ${o.costWindow}), ` +
        `over ${which} budget of ${budget} USD/hour. The Cost by segment dashboard shows its spend by prompt ` +
        'version and its cost per call.',
      ...(o.grafanaUrl
        ? {
            dashboard: `${o.grafanaUrl.replace(/\/$/, '')}/d/promptscope-segments?var-job={{ $labels.job }}&var-segment={{ $labels.promptscope_user_segment }}`,
          }
        : {}),
    },
  });
  const rules = named.map(([segment, budget]) =>
    rule(`${S}=${JSON.stringify(segment)}`, budget, `the segment's`, segment),
  );
  if (fallback !== undefined) {
    const others = named.length
      ? `, ${S}!~${JSON.stringify(named.map(([segment]) => regexEscape(segment)).join('|'))}`
      : '';
    rules.push(rule(`${S}!=""${others}`, fallback, 'the default segment', 'default'));
  }
  return rules;
}

/** @param {Partial<typeof DEFAULTS>} [options] @returns {string} the rules file (YAML) */
export function renderRules(options = {}) {
  return (
    '# Generated by alerting/rules.mjs (node alerting/generate.mjs). Do not edit: change the generator.\n' +
    toYaml(buildRules(options))
  );
}

// A small YAML emitter for this file's shapes: maps, lists, strings (double-quoted, or literal blocks when
// multi-line), numbers. Double-quoted YAML is JSON-compatible, so JSON.stringify escapes strings.
function toYaml(value, indent = 0) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value))
    return value
      .map((item) => {
        const body = toYaml(item, indent + 2).replace(/^ +/, '');
        return `${pad}- ${body}`;
      })
      .join('');
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => {
        if (Array.isArray(v) || (v && typeof v === 'object')) return `${pad}${k}:\n${toYaml(v, indent + 2)}`;
        return `${pad}${k}: ${scalar(v, indent + 2)}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value, indent)}\n`;
}

function scalar(v, indent) {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' && v.includes('\n'))
    return `|-\n${v
      .split('\n')
      .map((line) => `${' '.repeat(indent)}${line}`)
      .join('\n')}`;
  const s = String(v);
  // Plain scalars for simple words and durations; quote anything YAML could read as another type.
  if (/^[A-Za-z][A-Za-z0-9_.\-/]*$/.test(s) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(s)) return s;
  if (/^\d+(ms|s|m|h|d|w|y)$/.test(s)) return s;
  // Single quotes when the text has double quotes (what biome's YAML formatter prefers); `'` doubles inside.
  if (s.includes('"') && !/[\\\n\t]/.test(s)) return `'${s.replaceAll("'", "''")}'`;
  return JSON.stringify(s);
}
