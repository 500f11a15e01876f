// Provider errors: which provider/model fails, how (error.type), and the traces of failed calls; then the
// fallback routes (createRoute): fallbacks, attempts by outcome, and routed provider errors by error.type.
import { dashboard } from './dashboard.mjs';
import { COUNTERS, count, HISTOGRAMS, L, SPAN_L } from './metrics.mjs';
import { row, stat, table, target, timeseries } from './panels.mjs';
import { ERROR, errorRatio, increaseSum, quantile, rateSum, routeSel, spanSel } from './promql.mjs';
import { standardVariables } from './variables.mjs';

const calls = count(HISTOGRAMS.duration);
const PM = [L.provider, L.model];
const FALLBACK = [L.route, L.fallbackFrom, L.fallbackTo, L.fallbackReason];
const by = (labels) => labels.join(', ');
/** `sum by (labels) (<fn>(counter{routeSel}[range]))` for the route counters. */
const routeSum = (fn, counter, labels, { provider = false, matchers = [], range = '$__rate_interval' } = {}) =>
  `sum${labels.length ? ` by (${by(labels)})` : ''} (${fn}(${counter}${routeSel({ provider }, ...matchers)}[${range}]))`;
const ratioThresholds = {
  mode: 'absolute',
  steps: [
    { color: 'green', value: null },
    { color: 'orange', value: 0.01 },
    { color: 'red', value: 0.05 },
  ],
};

export function providerErrors() {
  return dashboard({
    uid: 'promptscope-provider-errors',
    title: 'Provider errors',
    description:
      'promptscope: failed LLM calls by provider, model and error.type (HTTP status or error class). ' +
      'Exemplars on the error panels open the failed trace in Jaeger.',
    variables: standardVariables(),
    panels: [
      row('Summary (selected time range)'),
      stat({
        title: 'Failed calls',
        unit: 'short',
        targets: [target(`${increaseSum(calls, [], [ERROR])} or vector(0)`, 'failed')],
      }),
      stat({
        title: 'Error ratio',
        unit: 'percentunit',
        decimals: 2,
        thresholds: ratioThresholds,
        targets: [target(errorRatio([], '$__range'), 'error ratio')],
      }),
      stat({
        title: 'Rate limited (429) ratio',
        unit: 'percentunit',
        decimals: 2,
        thresholds: ratioThresholds,
        targets: [target(errorRatio([], '$__range', [`${L.errorType}="429"`]), '429')],
      }),
      stat({
        title: 'Server errors (5xx) ratio',
        unit: 'percentunit',
        decimals: 2,
        thresholds: ratioThresholds,
        targets: [target(errorRatio([], '$__range', [`${L.errorType}=~"5[0-9][0-9]"`]), '5xx')],
      }),

      row('Errors over time'),
      timeseries({
        title: 'Error ratio by provider',
        unit: 'percentunit',
        min: 0,
        targets: [target(errorRatio([L.provider]), '{{gen_ai_provider_name}}')],
      }),
      timeseries({
        title: 'Failed calls per second by provider and error.type',
        unit: 'reqps',
        stack: true,
        targets: [
          target(rateSum(calls, [L.provider, L.errorType], [ERROR]), '{{gen_ai_provider_name}} {{error_type}}'),
        ],
      }),
      timeseries({
        title: 'Failed calls per second by model and error.type',
        unit: 'reqps',
        stack: true,
        targets: [target(rateSum(calls, [L.model, L.errorType], [ERROR]), '{{gen_ai_request_model}} {{error_type}}')],
      }),
      timeseries({
        title: 'Time to failure p50 / p95 by error.type',
        description:
          'How long failed calls took before failing (a timeout looks very different from a 429). Click an ' +
          'exemplar to open the failed trace.',
        unit: 's',
        targets: [
          target(quantile(0.5, HISTOGRAMS.duration, [L.errorType], [ERROR]), 'p50 {{error_type}}'),
          target(quantile(0.95, HISTOGRAMS.duration, [L.errorType], [ERROR]), 'p95 {{error_type}}'),
        ],
      }),

      row('Breakdown (selected time range)'),
      table({
        title: 'Failed calls by provider, model, error.type and prompt version',
        sortBy: 'failed calls',
        columns: [
          {
            name: 'failed calls',
            unit: 'short',
            decimals: 0,
            expr: increaseSum(calls, [...PM, L.errorType, L.prompt, L.version], [ERROR]),
          },
        ],
      }),

      row('Traces and instrumentation'),
      timeseries({
        title: 'Error spans per second (spanmetrics)',
        description:
          'From the collector spanmetrics connector: spans with status ERROR by service and span name. ' +
          'Exemplars link to the trace in Jaeger.',
        unit: 'reqps',
        targets: [
          target(
            `sum by (${SPAN_L.service}, ${SPAN_L.spanName}) (rate(${COUNTERS.spanCalls}${spanSel(`${SPAN_L.statusCode}="${SPAN_L.statusError}"`)}[$__rate_interval]))`,
            '{{service_name}} {{span_name}}',
          ),
        ],
      }),
      timeseries({
        title: 'promptscope instrumentation errors per second',
        description:
          "promptscope's own failures (the call still went through). Should be 0; any value is a bug to report.",
        unit: 'short',
        targets: [
          target(
            `sum by (${L.job}, ${L.stage}) (rate(${COUNTERS.instrumentationErrors}{${L.job}=~"$job"}[$__rate_interval]))`,
            '{{job}} {{stage}}',
            { exemplar: false },
          ),
        ],
      }),

      row('Fallback routes (createRoute)'),
      stat({
        title: 'Fallbacks',
        description: 'Routed calls that left a target for the next one, over the selected range.',
        unit: 'short',
        w: 8,
        targets: [target(routeSum('increase', COUNTERS.routeFallbacks, [], { range: '$__range' }), 'fallbacks')],
      }),
      stat({
        title: 'Fallbacks per routed call',
        description: "Fallbacks over the routed calls' first attempts, over the selected range.",
        unit: 'percentunit',
        decimals: 2,
        w: 8,
        thresholds: ratioThresholds,
        targets: [
          target(
            `${routeSum('increase', COUNTERS.routeFallbacks, [], { range: '$__range' })}\n/\n` +
              routeSum('increase', COUNTERS.routeAttempts, [], {
                range: '$__range',
                matchers: [`${L.attemptKind}="initial"`],
              }),
            'fallbacks per call',
          ),
        ],
      }),
      stat({
        title: 'Failed attempts of routed calls',
        description:
          'Provider errors under a route (retried or fallen back from, or final), over the selected range. ' +
          'Each is an error span too.',
        unit: 'short',
        w: 8,
        targets: [
          target(
            routeSum('increase', COUNTERS.providerErrors, [], { provider: true, range: '$__range' }),
            'failed attempts',
          ),
        ],
      }),
      timeseries({
        title: 'Fallbacks per second by route, from, to and reason',
        description:
          'promptscope.route.fallbacks: reason is the error.type that made the call leave at once, or ' +
          'retries_exhausted, retry_budget_exhausted, breaker_open.',
        unit: 'short',
        stack: true,
        targets: [
          target(
            routeSum('rate', COUNTERS.routeFallbacks, FALLBACK),
            '{{promptscope_route_name}}: {{promptscope_fallback_from}} → {{promptscope_fallback_to}} ({{promptscope_fallback_reason}})',
            { exemplar: false },
          ),
        ],
      }),
      timeseries({
        title: 'Route attempts per second by target, kind and outcome',
        description: 'promptscope.route.attempts: kind initial, retry or fallback; outcome success or error.',
        unit: 'short',
        stack: true,
        targets: [
          target(
            routeSum('rate', COUNTERS.routeAttempts, [L.route, L.routeTarget, L.attemptKind, L.attemptOutcome]),
            '{{promptscope_route_name}} {{promptscope_route_target}} {{promptscope_attempt_kind}} {{promptscope_attempt_outcome}}',
            { exemplar: false },
          ),
        ],
      }),
      timeseries({
        title: 'Provider errors per second by provider and error.type (routed calls)',
        description:
          'promptscope.provider.errors: failed attempts of routed calls, by provider, target and error.type.',
        unit: 'short',
        stack: true,
        targets: [
          target(
            routeSum('rate', COUNTERS.providerErrors, [L.provider, L.routeTarget, L.errorType], { provider: true }),
            '{{gen_ai_provider_name}} ({{promptscope_route_target}}) {{error_type}}',
            { exemplar: false },
          ),
        ],
      }),
      table({
        title: 'Fallbacks by route, from, to and reason (selected time range)',
        w: 12,
        sortBy: 'fallbacks',
        columns: [
          {
            name: 'fallbacks',
            unit: 'short',
            decimals: 0,
            expr: routeSum('increase', COUNTERS.routeFallbacks, FALLBACK, { range: '$__range' }),
          },
        ],
      }),
    ],
  });
}
