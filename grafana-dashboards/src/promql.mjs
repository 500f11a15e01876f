// Selectors and PromQL fragments: every query filters by the dashboard's variables, so the matchers are built
// in one place.
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
