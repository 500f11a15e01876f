// Prompt tests: the runs of `promptscope test` (the CI gate) and `promptscope replay` (production traffic through
// a candidate), per prompt and candidate: pass rate, failures, regressions, judge verdicts, what runs cost and
// how fast each side answered. Every series here is one run (see EVAL in metrics.mjs), so totals are sums of
// max_over_time, and "over time" panels are bars at the moments runs ended.
import { dashboard } from './dashboard.mjs';
import { EVAL, L } from './metrics.mjs';
import { barGauge, row, stat, table, target, timeseries } from './panels.mjs';
import { datasourceVariable, labelVariable } from './variables.mjs';

const JOB = `${L.job}=~"$job"`;
const PROMPT = `${L.prompt}=~"$prompt"`;
const CANDIDATE = `${L.candidate}=~"$candidate"`;
const KIND = `${L.runKind}=~"$kind"`;
const TEST = `${L.runKind}="test"`;
const REPLAY = `${L.runKind}="replay"`;
const outcome = (o) => `${L.evalOutcome}=~"${o}"`;

const by = (labels) => (labels.length ? ` by (${labels.join(', ')})` : '');
const sel = (...extra) => `{${[JOB, PROMPT, CANDIDATE, KIND, ...extra].join(', ')}}`;
/** Sum over runs: each run's series holds its final count (one sample, or repeats of it). */
const runs = (metric, labels = [], matchers = [], range = '$__range') =>
  `sum${by(labels)} (max_over_time(${metric}${sel(...matchers)}[${range}]))`;
/** `expr`, or 0 where the same labels ran cases but none matched (a table cell reads 0, not blank). */
const orZero = (expr, labels, matchers = []) => `(${expr}) or (0 * ${runs(EVAL.cases, labels, matchers)})`;
const quantile = (q, labels, range = '$__range') =>
  `histogram_quantile(${q}, sum by (${['le', ...labels].join(', ')}) (max_over_time(${EVAL.duration}_bucket${sel()}[${range}])))`;
/** Distinct runs: one `instance` (service.instance.id) per run. */
const runCount = (labels) =>
  `count${by(labels)} (count by (${[...labels, L.instance].join(', ')}) (max_over_time(${EVAL.cases}${sel()}[$__range])))`;
const passRate = (labels = []) =>
  `${runs(EVAL.cases, labels, [TEST, outcome('pass')])}\n/\n${runs(EVAL.cases, labels, [TEST, outcome('pass|fail|error')])}`;

const C = [L.prompt, L.candidate, L.runKind];
const NOTE =
  'Run metrics of `promptscope test` and `promptscope replay` (OTEL_EXPORTER_OTLP_ENDPOINT set), never production ' +
  'calls: a run exports them once, at its end, as its own service instance.';

/** A count that should be 0: green at 0 (also when no run matched), red from 1. */
const problems = ({ title, description, expr, legend }) =>
  stat({
    title,
    description,
    unit: 'short',
    thresholds: {
      mode: 'absolute',
      steps: [
        { color: 'green', value: null },
        { color: 'red', value: 1 },
      ],
    },
    targets: [target(`${expr} or vector(0)`, legend)],
  });

const evalVariable = (name, label, labelName, filters) =>
  labelVariable({ name, label, labelName, filters, metric: EVAL.cases });

export function promptTests() {
  return dashboard({
    uid: 'promptscope-prompt-tests',
    title: 'Prompt tests',
    description:
      'promptscope: test and replay runs per prompt and candidate: pass rate, failed cases, replay regressions, ' +
      'judge verdicts, run cost and latency by side.',
    time: { from: 'now-7d', to: 'now' },
    variables: [
      datasourceVariable(),
      evalVariable('job', 'Service', L.job, []),
      evalVariable('prompt', 'Prompt', L.prompt, [JOB]),
      evalVariable('candidate', 'Candidate', L.candidate, [JOB, PROMPT]),
      evalVariable('kind', 'Run kind', L.runKind, [JOB, PROMPT]),
    ],
    panels: [
      row('Runs (selected time range)'),
      stat({
        title: 'Test pass rate',
        description: `Passed test cases over all test cases of promptscope test runs. ${NOTE}`,
        unit: 'percentunit',
        decimals: 1,
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'red', value: null },
            { color: 'green', value: 1 },
          ],
        },
        targets: [target(passRate(), 'pass rate')],
      }),
      problems({
        title: 'Failed test cases',
        description: 'Test cases that failed an assertion or errored, summed over runs.',
        expr: runs(EVAL.cases, [], [TEST, outcome('fail|error')]),
        legend: 'failed',
      }),
      problems({
        title: 'Replay regressions',
        description:
          'Replayed production inputs whose candidate answer was worse than the baseline (an assertion newly ' +
          'failing, or the judge preferring the baseline), summed over runs.',
        expr: runs(EVAL.cases, [], [REPLAY, outcome('regressed')]),
        legend: 'regressed',
      }),
      stat({
        title: 'Run cost',
        description:
          'What the runs cost (candidate and re-run baselines; cached calls cost nothing). A recorded baseline ' +
          'is counted at what production paid.',
        unit: 'currencyUSD',
        decimals: 4,
        targets: [target(runs(EVAL.cost), 'USD')],
      }),
      row('By candidate (selected time range)'),
      table({
        title: 'Candidates',
        description: 'One row per prompt, candidate and run kind.',
        sortBy: 'runs',
        h: 8,
        columns: [
          { name: 'runs', unit: 'short', decimals: 0, expr: runCount(C) },
          { name: 'cases', unit: 'short', decimals: 0, expr: runs(EVAL.cases, C) },
          { name: 'pass rate (test)', unit: 'percentunit', decimals: 1, expr: passRate(C) },
          {
            name: 'failed (test)',
            unit: 'short',
            decimals: 0,
            expr: orZero(runs(EVAL.cases, C, [TEST, outcome('fail|error')]), C, [TEST]),
          },
          {
            name: 'regressed (replay)',
            unit: 'short',
            decimals: 0,
            expr: orZero(runs(EVAL.cases, C, [REPLAY, outcome('regressed')]), C, [REPLAY]),
          },
          {
            name: 'improved (replay)',
            unit: 'short',
            decimals: 0,
            expr: orZero(runs(EVAL.cases, C, [REPLAY, outcome('improved')]), C, [REPLAY]),
          },
          { name: 'cost', unit: 'currencyUSD', decimals: 4, expr: runs(EVAL.cost, C) },
          { name: 'latency p50', unit: 's', decimals: 3, expr: quantile(0.5, C) },
          { name: 'latency p95', unit: 's', decimals: 3, expr: quantile(0.95, C) },
        ],
      }),
      timeseries({
        title: 'Case outcomes per run',
        description: 'Each bar is the runs that ended in that interval, by outcome.',
        unit: 'short',
        bars: true,
        stack: true,
        targets: [
          target(
            runs(EVAL.cases, [L.candidate, L.evalOutcome], [], '$__interval'),
            '{{promptscope_eval_candidate}} {{promptscope_eval_outcome}}',
            {
              exemplar: false,
            },
          ),
        ],
      }),
      timeseries({
        title: 'Cost per run by side',
        description: 'What each run spent on the candidate and on the baseline (a recorded baseline: production).',
        unit: 'currencyUSD',
        bars: true,
        targets: [
          target(
            runs(EVAL.cost, [L.candidate, L.evalSide], [], '$__interval'),
            '{{promptscope_eval_candidate}} {{promptscope_eval_side}}',
            {
              exemplar: false,
            },
          ),
        ],
      }),
      table({
        title: 'Latency by side',
        description:
          'Latency of the calls of each side, over every run in range: the candidate against the baseline (a ' +
          'recorded baseline is what production measured).',
        h: 8,
        w: 12,
        columns: [
          { name: 'p50', unit: 's', decimals: 3, expr: quantile(0.5, [L.candidate, L.evalSide]) },
          { name: 'p95', unit: 's', decimals: 3, expr: quantile(0.95, [L.candidate, L.evalSide]) },
          {
            name: 'calls',
            unit: 'short',
            decimals: 0,
            expr: runs(`${EVAL.duration}_count`, [L.candidate, L.evalSide]),
          },
        ],
      }),
      barGauge({
        title: 'Judge verdicts',
        description:
          'Pairwise judge verdicts of replay runs: the candidate preferred, the baseline preferred, a tie, or a ' +
          'judge that failed or answered nonsense (error). Unchanged answers are not judged.',
        unit: 'short',
        decimals: 0,
        expr: runs(EVAL.judgeVerdicts, [L.candidate, L.evalVerdict], [REPLAY]),
        legendFormat: '{{promptscope_eval_candidate}} {{promptscope_eval_verdict}}',
      }),
    ],
  });
}
