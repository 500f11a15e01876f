/**
 * Run metrics of test and replay runs: a handful of counters and one histogram a dashboard can chart per
 * candidate (pass rate, regressions, judge wins, cost and latency against production). They go to the
 * meter the caller passes (the CLI's OTLP exporter), never to the production GenAI metrics: the provider
 * calls of a run record no metrics at all.
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import { ATTR, METRIC } from '@promptscope/core';
import { DURATION_BUCKETS } from '@promptscope/core/provider';
import type { Report } from '../report/types.js';
import type { ReplayReport } from './types.js';

const candidateLabel = (t: {
  version: number;
  file?: string;
  overridden?: { model?: string; provider?: string };
  provider: string;
  model: string;
}) => `${t.file !== undefined ? 'draft' : `v${t.version}`}${t.overridden ? ` on ${t.provider}/${t.model}` : ''}`;

function instruments(meter: Meter) {
  return {
    cases: meter.createCounter(METRIC.EVAL_CASES, {
      description: 'Test cases and replayed inputs by outcome',
      unit: '{case}',
    }),
    verdicts: meter.createCounter(METRIC.EVAL_JUDGE_VERDICTS, {
      description: 'Pairwise judge verdicts of replay runs',
      unit: '{verdict}',
    }),
    cost: meter.createCounter(METRIC.EVAL_COST, { description: "What a run's calls cost, by side", unit: '{USD}' }),
    duration: meter.createHistogram(METRIC.EVAL_DURATION, {
      description: "Latency of each side's calls in a run",
      unit: 's',
      // the buckets of gen_ai.client.operation.duration, so a run's latency reads like production's
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
}

export function recordReplayMetrics(meter: Meter, r: ReplayReport): void {
  const m = instruments(meter);
  const base: Attributes = {
    [ATTR.PROMPT_NAME]: r.prompt,
    [ATTR.EVAL_CANDIDATE]: candidateLabel(r.candidate),
    [ATTR.RUN_KIND]: 'replay',
  };
  for (const i of r.inputs) {
    m.cases.add(1, { ...base, [ATTR.EVAL_OUTCOME]: i.outcome });
    if (i.judge !== undefined)
      m.verdicts.add(1, { ...base, [ATTR.EVAL_VERDICT]: i.judge.error !== undefined ? 'error' : i.judge.verdict });
    for (const side of ['candidate', 'baseline'] as const) {
      const s = i[side];
      const a = { ...base, [ATTR.EVAL_SIDE]: side };
      if (typeof s.costUsd === 'number') m.cost.add(s.costUsd, a);
      if (s.latencyMs !== undefined && s.error === undefined) m.duration.record(s.latencyMs / 1000, a);
    }
  }
  if (r.skipped.length > 0) m.cases.add(r.skipped.length, { ...base, [ATTR.EVAL_OUTCOME]: 'skipped' });
}

export function recordTestMetrics(meter: Meter, r: Report): void {
  const m = instruments(meter);
  const base: Attributes = {
    [ATTR.PROMPT_NAME]: r.prompt,
    [ATTR.EVAL_CANDIDATE]: candidateLabel(r.candidate),
    [ATTR.RUN_KIND]: 'test',
  };
  for (const c of r.cases) {
    m.cases.add(1, { ...base, [ATTR.EVAL_OUTCOME]: c.candidate.status });
    for (const side of ['candidate', 'baseline'] as const) {
      for (const rec of c[side]?.records ?? []) {
        const a = { ...base, [ATTR.EVAL_SIDE]: side };
        if (typeof rec.costUsd === 'number' && !rec.cached) m.cost.add(rec.costUsd, a);
        if (rec.latencyMs !== undefined && rec.error === undefined) m.duration.record(rec.latencyMs / 1000, a);
      }
    }
  }
}
