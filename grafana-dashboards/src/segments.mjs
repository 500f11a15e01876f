// Cost by segment: who the spend is for (withSegment: free, pro, enterprise, a feature), over time, the top
// spenders, and cost per call by segment and prompt version; plus the cardinality guard's overflow.
import { dashboard } from './dashboard.mjs';
import { COUNTERS, count, HISTOGRAMS, L, SEGMENT_OTHER } from './metrics.mjs';
import { barGauge, row, stat, table, target, timeseries } from './panels.mjs';
import { costPerCall, increaseSum, rateSum, SEGMENT } from './promql.mjs';
import { segmentVariable, standardVariables } from './variables.mjs';

const calls = count(HISTOGRAMS.duration);
const S = [L.segment];
const SPV = [L.segment, L.prompt, L.version];
const SEGMENTED = `${L.segment}!=""`;
const NOTE =
  'Segments come from withSegment() (or the W3C baggage entry promptscope.segment): the label ' +
  `promptscope_user_segment on the duration, token and cost metrics. Past the cardinality cap (segmentLimit, ` +
  `default 50 distinct segments per process) new segments are reported as "${SEGMENT_OTHER}"; spans keep the real value.`;

export function segments() {
  return dashboard({
    uid: 'promptscope-segments',
    title: 'Cost by segment',
    description:
      'promptscope: spend and tokens by user segment (withSegment), the top spenders, and cost per call by ' +
      'segment and prompt version.',
    variables: [...standardVariables(), segmentVariable()],
    panels: [
      row('Summary (selected time range)'),
      stat({
        title: 'Cost',
        unit: 'currencyUSD',
        decimals: 4,
        targets: [target(increaseSum(COUNTERS.cost, [], [SEGMENT]), 'USD')],
      }),
      stat({
        title: 'Share of cost in segments',
        description: 'Spend of calls made inside a segment over all spend: the rest ran outside withSegment.',
        unit: 'percentunit',
        decimals: 1,
        targets: [
          target(`${increaseSum(COUNTERS.cost, [], [SEGMENT, SEGMENTED])}\n/\n${increaseSum(COUNTERS.cost)}`, 'share'),
        ],
      }),
      stat({
        title: 'Segments',
        description: 'Distinct segments that made calls.',
        unit: 'short',
        targets: [target(`count(${increaseSum(calls, S, [SEGMENT, SEGMENTED])})`, 'segments')],
      }),
      stat({
        title: `Calls folded into "${SEGMENT_OTHER}"`,
        description:
          `promptscope_segment_overflow_total: calls whose segment was reported as "${SEGMENT_OTHER}" on metrics ` +
          'because the process had already seen segmentLimit distinct segments. Above 0: segments are too ' +
          'fine-grained (a user or tenant id?) or segmentLimit is too low.',
        unit: 'short',
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'orange', value: 1 },
          ],
        },
        targets: [
          target(
            `sum (increase(${COUNTERS.segmentOverflow}{${L.job}=~"$job"}[$__range])) or vector(0)`,
            'folded calls',
          ),
        ],
      }),

      row('Spend by segment'),
      timeseries({
        title: 'Cost per hour by segment',
        description: `Spend rate in USD per hour, stacked. ${NOTE}`,
        unit: 'currencyUSD',
        stack: true,
        targets: [
          target(`${rateSum(COUNTERS.cost, S, [SEGMENT])} * 3600`, '{{promptscope_user_segment}}', { exemplar: false }),
        ],
      }),
      barGauge({
        title: 'Top segments by spend (selected time range)',
        description: 'The 10 segments that spent the most over the selected time range, in USD.',
        unit: 'currencyUSD',
        decimals: 4,
        expr: `topk(10, ${increaseSum(COUNTERS.cost, S, [SEGMENT, SEGMENTED])})`,
        legendFormat: '{{promptscope_user_segment}}',
      }),
      timeseries({
        title: 'Tokens per second by segment, input and output',
        unit: 'short',
        w: 24,
        targets: [
          target(
            rateSum(`${HISTOGRAMS.tokens}_sum`, [...S, L.tokenType], [SEGMENT]),
            '{{promptscope_user_segment}} {{gen_ai_token_type}}',
            { exemplar: false },
          ),
        ],
      }),

      row('Cost per call'),
      timeseries({
        title: 'Cost per call by segment and prompt version',
        description: 'USD per call (cost rate / call rate, failed calls included in the calls).',
        unit: 'currencyUSD',
        decimals: 6,
        w: 24,
        targets: [
          target(
            costPerCall(SPV, '$__rate_interval', [SEGMENT]),
            '{{promptscope_user_segment}} {{gen_ai_prompt_name}} v{{gen_ai_prompt_version}}',
            { exemplar: false },
          ),
        ],
      }),
      table({
        title: 'Cost by segment and prompt version (selected time range)',
        sortBy: 'cost USD',
        columns: [
          { name: 'cost USD', unit: 'currencyUSD', decimals: 4, expr: increaseSum(COUNTERS.cost, SPV, [SEGMENT]) },
          { name: 'calls', unit: 'short', decimals: 0, expr: increaseSum(calls, SPV, [SEGMENT]) },
          { name: 'cost per call', unit: 'currencyUSD', decimals: 6, expr: costPerCall(SPV, '$__range', [SEGMENT]) },
        ],
      }),
    ],
  });
}
