// Prompt versions: pick one prompt, compare its versions side by side.
import { dashboard } from './dashboard.mjs';
import { COUNTERS, count, HISTOGRAMS, L, SPAN_L } from './metrics.mjs';
import { row, table, target, timeseries, traceSearch } from './panels.mjs';
import {
  costPerCall,
  errorRatio,
  feedbackMean,
  feedbackNegativeRatio,
  feedbackVolume,
  increaseSum,
  quantile,
  rateSum,
  spanSel,
  tokensPerCall,
} from './promql.mjs';
import { errorTypeVariable, serviceVariable, standardVariables } from './variables.mjs';

const calls = count(HISTOGRAMS.duration);
const V = [L.version];
const legend = 'v{{gen_ai_prompt_version}}';
const QUALITY_NOTE =
  'From promptscope_feedback_score (@promptscope/feedback: recordFeedback, thumbs, recordImplicit), every ' +
  'evaluation on the 0..1 scale together; mean = sum / count. Feedback carries the response model and no ' +
  'provider: the provider variable does not apply.';
const WORST_NOTE =
  'A Jaeger trace search (service $service, this prompt version): click a trace id to open the trace, the ' +
  'completion span with its feedback or error. Tail sampling keeps every trace with an error, slow traces and a ' +
  'share of the rest, so older or sampled-out completions may be missing. Ranked by score across every ' +
  'evaluation: `promptscope worst $prompt --prompt-version <v>` (and `--failed`).';
const NEGATIVE_NOTE =
  'Share of scored feedback with score <= 0.4 (the le="0.4" bucket): thumbs down, regenerated, discarded or ' +
  'abandoned answers, edits that rewrote 60 % or more.';

export function promptVersions() {
  return dashboard({
    uid: 'promptscope-prompt-versions',
    title: 'Prompt versions',
    description:
      'promptscope: pick a prompt and compare its versions side by side (latency, time to first token, ' +
      'error ratio, cost and tokens per call, and quality from user feedback).',
    variables: [...standardVariables({ promptSingle: true }), serviceVariable(), errorTypeVariable()],
    panels: [
      row('Versions side by side (selected time range)'),
      table({
        title: 'Versions of $prompt',
        description: 'One row per prompt version over the selected time range.',
        sortBy: 'calls',
        h: 9,
        columns: [
          { name: 'calls', unit: 'short', decimals: 0, expr: increaseSum(calls, V) },
          { name: 'error ratio', unit: 'percentunit', decimals: 2, expr: errorRatio(V, '$__range') },
          {
            name: 'latency p50',
            unit: 's',
            expr: quantile(0.5, HISTOGRAMS.duration, V, [], '$__range'),
          },
          {
            name: 'latency p95',
            unit: 's',
            expr: quantile(0.95, HISTOGRAMS.duration, V, [], '$__range'),
          },
          { name: 'TTFT p50', unit: 's', expr: quantile(0.5, HISTOGRAMS.ttft, V, [], '$__range') },
          { name: 'TTFT p95', unit: 's', expr: quantile(0.95, HISTOGRAMS.ttft, V, [], '$__range') },
          { name: 'cost per call', unit: 'currencyUSD', decimals: 6, expr: costPerCall(V, '$__range') },
          { name: 'input tokens per call', unit: 'short', decimals: 0, expr: tokensPerCall(V, '$__range', 'input') },
          { name: 'output tokens per call', unit: 'short', decimals: 0, expr: tokensPerCall(V, '$__range', 'output') },
          { name: 'feedback score', unit: 'none', decimals: 2, expr: feedbackMean(V, '$__range') },
          { name: 'negative feedback', unit: 'percentunit', decimals: 1, expr: feedbackNegativeRatio(V, '$__range') },
        ],
      }),

      row('Over time'),
      timeseries({
        title: 'Requests per second by version',
        unit: 'reqps',
        targets: [target(rateSum(calls, V), legend)],
      }),
      timeseries({
        title: 'Error ratio by version',
        unit: 'percentunit',
        min: 0,
        targets: [target(errorRatio(V), legend)],
      }),
      timeseries({
        title: 'Latency p50 / p95 by version',
        unit: 's',
        targets: [
          target(quantile(0.5, HISTOGRAMS.duration, V), `p50 ${legend}`),
          target(quantile(0.95, HISTOGRAMS.duration, V), `p95 ${legend}`),
        ],
      }),
      timeseries({
        title: 'Time to first token p50 / p95 by version',
        unit: 's',
        targets: [
          target(quantile(0.5, HISTOGRAMS.ttft, V), `p50 ${legend}`),
          target(quantile(0.95, HISTOGRAMS.ttft, V), `p95 ${legend}`),
        ],
      }),
      timeseries({
        title: 'Cost per call by version',
        unit: 'currencyUSD',
        decimals: 6,
        targets: [target(costPerCall(V), legend, { exemplar: false })],
      }),
      timeseries({
        title: 'Tokens per call by version',
        unit: 'short',
        targets: [target(tokensPerCall(V), `{{gen_ai_token_type}} ${legend}`, { exemplar: false })],
      }),
      timeseries({
        title: 'Cost per hour by version',
        unit: 'currencyUSD',
        targets: [target(`${rateSum(COUNTERS.cost, V)} * 3600`, legend, { exemplar: false })],
      }),

      row('Quality (user feedback)'),
      timeseries({
        title: 'Feedback score by version',
        description: QUALITY_NOTE,
        unit: 'none',
        decimals: 2,
        min: 0,
        targets: [target(feedbackMean(V), legend)],
      }),
      timeseries({
        title: 'Negative feedback ratio by version',
        description: `${NEGATIVE_NOTE} ${QUALITY_NOTE}`,
        unit: 'percentunit',
        min: 0,
        max: 1,
        targets: [target(feedbackNegativeRatio(V), legend)],
      }),
      timeseries({
        title: 'Feedback per second by version and kind',
        description: 'Every feedback record (explicit thumbs and ratings, implicit signals, labels), scored or not.',
        unit: 'short',
        stack: true,
        targets: [
          target(feedbackVolume([...V, L.feedbackKind]), `${legend} {{promptscope_feedback_kind}}`, {
            exemplar: false,
          }),
        ],
      }),
      timeseries({
        title: 'Feedback signals by version',
        description:
          'Records per second by evaluation and score label: thumbs pass/fail, implicit accepted, copied, edited, ' +
          'regenerated, discarded, abandoned, and categories.',
        unit: 'short',
        targets: [
          target(
            feedbackVolume([...V, L.evaluation, L.scoreLabel]),
            `${legend} {{gen_ai_evaluation_name}} {{gen_ai_evaluation_score_label}}`,
            { exemplar: false },
          ),
        ],
      }),

      row('Worst completions (traces)'),
      timeseries({
        title: 'Time to failure by version (exemplars open the failed trace)',
        description:
          "p50 duration of failed provider spans, from the collector's spanmetrics (computed before tail " +
          'sampling; its exemplars carry the trace id, and tail sampling keeps every error trace). Click an ' +
          'exemplar to open a failed completion in Jaeger.',
        unit: 's',
        targets: [
          target(
            `histogram_quantile(0.5, sum by (le, ${L.version}) (rate(${HISTOGRAMS.spanDuration}_bucket${spanSel(`${SPAN_L.statusCode}="${SPAN_L.statusError}"`)}[$__rate_interval])))`,
            `p50 ${legend}`,
          ),
        ],
      }),
      timeseries({
        title: 'Failed calls per second by version and error.type',
        unit: 'short',
        targets: [target(rateSum(calls, [...V, L.errorType], [`${L.errorType}!=""`]), `${legend} {{error_type}}`)],
      }),
      traceSearch({
        title: 'Thumbs down on $prompt v$version',
        description: `Completions of this version a user gave a thumbs down (gen_ai.evaluation.score.label=fail). ${WORST_NOTE}`,
        tags: {
          'gen_ai.prompt.name': '$prompt',
          'gen_ai.prompt.version': '$version',
          'gen_ai.evaluation.score.label': 'fail',
        },
        repeat: 'version',
      }),
      traceSearch({
        title: 'Failed completions of $prompt v$version ($error_type)',
        description:
          'Completions of this version that failed with the error.type picked in the `error_type` variable (exact ' +
          "values: Jaeger v2's memory store does not match an `error=true` search against OTLP error statuses). " +
          WORST_NOTE,
        tags: { 'gen_ai.prompt.name': '$prompt', 'gen_ai.prompt.version': '$version', 'error.type': '$error_type' },
        repeat: 'version',
      }),
    ],
  });
}
