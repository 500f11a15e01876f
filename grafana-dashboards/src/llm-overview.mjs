// LLM overview: traffic, errors, latency, TTFT, tokens and cost.
import { dashboard } from './dashboard.mjs';
import { COLLECTOR, COLLECTOR_L, COUNTERS, count, HISTOGRAMS, L } from './metrics.mjs';
import { collectorRates, row, stat, table, target, timeseries } from './panels.mjs';
import {
  ERROR,
  errorRatio,
  feedbackMean,
  feedbackNegativeRatio,
  increaseSum,
  quantile,
  queueFill,
  rateSum,
  spanSel,
} from './promql.mjs';
import { standardVariables } from './variables.mjs';

const calls = count(HISTOGRAMS.duration);
const PM = [L.provider, L.model];

export function llmOverview() {
  return dashboard({
    uid: 'promptscope-llm-overview',
    title: 'LLM overview',
    description:
      'promptscope: requests, errors, latency, time to first token, tokens and cost of LLM calls. ' +
      'Exemplars on latency panels open the trace in Jaeger.',
    variables: standardVariables(),
    panels: [
      row('Summary (selected time range)'),
      stat({
        title: 'Requests',
        w: 4,
        unit: 'short',
        targets: [target(increaseSum(calls), 'requests')],
      }),
      stat({
        title: 'Error ratio',
        w: 4,
        unit: 'percentunit',
        decimals: 2,
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'orange', value: 0.01 },
            { color: 'red', value: 0.05 },
          ],
        },
        targets: [target(errorRatio([], '$__range'), 'error ratio')],
      }),
      stat({
        title: 'Cost',
        w: 4,
        unit: 'currencyUSD',
        decimals: 4,
        targets: [target(increaseSum(COUNTERS.cost), 'USD')],
      }),
      stat({
        title: 'Unpriced calls',
        w: 4,
        description: 'Calls with usage but no price for the model: their cost is unknown (never counted as 0).',
        unit: 'short',
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'orange', value: 1 },
          ],
        },
        targets: [target(`${increaseSum(COUNTERS.unpriced)} or vector(0)`, 'unpriced')],
      }),
      stat({
        title: 'Feedback score',
        w: 4,
        description:
          'Mean user feedback score over the range (promptscope_feedback_score sum / count, 0..1 scale). ' +
          'Per prompt version: the Prompt versions dashboard.',
        unit: 'none',
        decimals: 2,
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'red', value: null },
            { color: 'orange', value: 0.5 },
            { color: 'green', value: 0.7 },
          ],
        },
        targets: [target(feedbackMean([], '$__range'), 'score')],
      }),
      stat({
        title: 'Negative feedback',
        w: 4,
        description: 'Share of scored feedback with score <= 0.4 (le="0.4" bucket) over the range.',
        unit: 'percentunit',
        decimals: 1,
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'orange', value: 0.2 },
            { color: 'red', value: 0.3 },
          ],
        },
        targets: [target(feedbackNegativeRatio([], '$__range'), 'negative')],
      }),

      row('Traffic and errors'),
      timeseries({
        title: 'Requests per second by provider and model',
        unit: 'reqps',
        targets: [target(rateSum(calls, PM), '{{gen_ai_provider_name}} {{gen_ai_request_model}}')],
      }),
      timeseries({
        title: 'Error ratio by provider and model',
        unit: 'percentunit',
        min: 0,
        targets: [target(errorRatio(PM), '{{gen_ai_provider_name}} {{gen_ai_request_model}}')],
      }),
      timeseries({
        title: 'Error ratio by provider, model and error.type',
        description: 'Failed calls of each error.type over all calls of the provider and model.',
        unit: 'percentunit',
        min: 0,
        stack: true,
        w: 24,
        targets: [
          target(
            `${rateSum(calls, [...PM, L.errorType], [ERROR])}\n/ ignoring (${L.errorType}) group_left\n${rateSum(calls, PM)}`,
            '{{gen_ai_provider_name}} {{gen_ai_request_model}} {{error_type}}',
          ),
        ],
      }),

      row('Latency'),
      timeseries({
        title: 'Latency p50 / p95 / p99 by model',
        description: 'gen_ai.client.operation.duration, all calls. Click an exemplar to open its trace.',
        unit: 's',
        targets: [
          target(quantile(0.5, HISTOGRAMS.duration, [L.model]), 'p50 {{gen_ai_request_model}}'),
          target(quantile(0.95, HISTOGRAMS.duration, [L.model]), 'p95 {{gen_ai_request_model}}'),
          target(quantile(0.99, HISTOGRAMS.duration, [L.model]), 'p99 {{gen_ai_request_model}}'),
        ],
      }),
      timeseries({
        title: 'Time to first token p50 / p95 by model',
        description: 'gen_ai.client.operation.time_to_first_chunk (successful streams only).',
        unit: 's',
        targets: [
          target(quantile(0.5, HISTOGRAMS.ttft, [L.model]), 'p50 {{gen_ai_request_model}}'),
          target(quantile(0.95, HISTOGRAMS.ttft, [L.model]), 'p95 {{gen_ai_request_model}}'),
        ],
      }),

      row('Tokens'),
      timeseries({
        title: 'Tokens per second, input and output, by model',
        unit: 'short',
        w: 24,
        targets: [
          target(
            rateSum(`${HISTOGRAMS.tokens}_sum`, [L.model, L.tokenType]),
            '{{gen_ai_token_type}} {{gen_ai_request_model}}',
          ),
        ],
      }),

      row('Cost'),
      timeseries({
        title: 'Cost per hour by model',
        description: 'Spend rate in USD per hour.',
        unit: 'currencyUSD',
        targets: [target(`${rateSum(COUNTERS.cost, [L.model])} * 3600`, '{{gen_ai_request_model}}')],
      }),
      timeseries({
        title: 'Cost per hour by prompt',
        description: 'Spend rate in USD per hour, by prompt name and version.',
        unit: 'currencyUSD',
        targets: [
          target(
            `${rateSum(COUNTERS.cost, [L.prompt, L.version])} * 3600`,
            '{{gen_ai_prompt_name}} v{{gen_ai_prompt_version}}',
          ),
        ],
      }),
      timeseries({
        title: 'Cost per day by model (rolling 24 h)',
        unit: 'currencyUSD',
        targets: [target(increaseSum(COUNTERS.cost, [L.model], [], '1d'), '{{gen_ai_request_model}}')],
      }),
      timeseries({
        title: 'Cost per day by prompt (rolling 24 h)',
        unit: 'currencyUSD',
        targets: [
          target(
            increaseSum(COUNTERS.cost, [L.prompt, L.version], [], '1d'),
            '{{gen_ai_prompt_name}} v{{gen_ai_prompt_version}}',
          ),
        ],
      }),
      table({
        title: 'Cost by model and prompt (selected time range)',
        sortBy: 'cost USD',
        columns: [
          {
            name: 'cost USD',
            unit: 'currencyUSD',
            decimals: 4,
            expr: increaseSum(COUNTERS.cost, [L.model, L.prompt, L.version]),
          },
          { name: 'calls', unit: 'short', decimals: 0, expr: increaseSum(calls, [L.model, L.prompt, L.version]) },
        ],
      }),

      row('Telemetry pipeline (collectors)'),
      timeseries({
        title: 'Spans per second by gateway (span metrics)',
        description:
          'Spans each gateway counted, before tail sampling. Agents route by trace id, so each gateway sees whole ' +
          'traces and an even share; every other span-metric panel sums the gateways.',
        unit: 'short',
        targets: [
          target(
            `sum by (${COLLECTOR_L.gateway}) (rate(${COUNTERS.spanCalls}${spanSel()}[$__rate_interval]))`,
            '{{promptscope_gateway}}',
          ),
        ],
      }),
      timeseries({
        title: 'Dropped by collectors (per second)',
        description:
          'Spans, metric points and log records a collector gave up on: retries ran out (send_failed, e.g. a backend ' +
          'down longer than PROMPTSCOPE_QUEUE_MAX_AGE) or its queue was full (enqueue_failed). Alert: ' +
          'PromptscopeCollectorDroppingData. All collectors, whatever the variables.',
        unit: 'short',
        min: 0,
        targets: collectorRates(
          COLLECTOR.droppedNames,
          [COLLECTOR_L.instance, COLLECTOR_L.exporter],
          (name) => `{{instance}} {{exporter}} ${name.replace('otelcol_exporter_', '')}`,
        ),
      }),
      timeseries({
        title: 'Sending queue fill',
        description:
          'Queued over capacity, per collector and exporter (persistent queues on disk: PROMPTSCOPE_QUEUE_MAX_BYTES). ' +
          'Rising while a backend or a gateway is down; new data is dropped at 100 %. Alert: PromptscopeCollectorQueueFilling.',
        unit: 'percentunit',
        min: 0,
        max: 1,
        targets: [target(queueFill(), '{{instance}} {{exporter}}', { exemplar: false })],
      }),
      timeseries({
        title: 'Refused by collectors (per second)',
        description:
          'Data a receiver refused (memory limiter, a full pipeline): the sender got an error and retries; sustained ' +
          'refusals mean the collector needs more memory or more gateways. Alert: PromptscopeCollectorRefusingData.',
        unit: 'short',
        min: 0,
        targets: collectorRates(
          COLLECTOR.refusedNames,
          [COLLECTOR_L.instance, COLLECTOR_L.receiver],
          (name) => `{{instance}} {{receiver}} ${name.replace('otelcol_receiver_', '')}`,
        ),
      }),
    ],
  });
}
