import { ATTR, METRIC } from '@promptscope/core';
import { semconvNames } from '@promptscope/core/provider';
import { describe, expect, it } from 'vitest';
import { COUNTERS, EVAL, HISTOGRAMS, L } from '../src/metrics.mjs';

// metrics.mjs is hand-kept for the dashboards and alerts; this holds it against core's name table, so a
// metric renamed in core fails here instead of leaving a panel silently empty.

/** The collector's Prometheus translation (UnderscoreEscapingWithSuffixes), as metrics.mjs describes it. */
function prometheusName(otelName: string, kind: 'histogram' | 'counter', unit: string): string {
  let name = otelName.replace(/\./g, '_');
  if (unit === 's') name += '_seconds';
  if (kind === 'counter') name += '_total';
  return name;
}

const semconv = semconvNames('default');
// Which core name and unit each dashboard metric stands for (units as the instruments declare them).
const histograms: Record<keyof typeof HISTOGRAMS, [string, string] | 'collector'> = {
  duration: [semconv.metricDuration, 's'],
  tokens: [METRIC.TOKEN_USAGE, '{token}'],
  ttft: [semconv.metricTimeToFirstChunk, 's'],
  timePerChunk: [semconv.metricTimePerOutputChunk, 's'],
  spanDuration: 'collector',
  feedbackScore: [METRIC.FEEDBACK_SCORE, '1'],
};
const counters: Record<keyof typeof COUNTERS, [string, string] | 'collector'> = {
  cost: [METRIC.COST, '{USD}'],
  unpriced: [METRIC.UNPRICED, '{call}'],
  instrumentationErrors: [METRIC.INSTRUMENTATION_ERRORS, '{error}'],
  spanCalls: 'collector',
  routeAttempts: [METRIC.ROUTE_ATTEMPTS, '{attempt}'],
  providerErrors: [METRIC.PROVIDER_ERRORS, '{error}'],
  routeFallbacks: [METRIC.ROUTE_FALLBACKS, '{fallback}'],
  feedback: [METRIC.FEEDBACK_COUNT, '{feedback}'],
  segmentOverflow: [METRIC.SEGMENT_OVERFLOW, '{operation}'],
};

// The run metrics of test and replay runs (@promptscope/eval's replay/metrics.ts declares these units).
const evalMetrics: Record<keyof typeof EVAL, [string, 'histogram' | 'counter', string]> = {
  cases: [METRIC.EVAL_CASES, 'counter', '{case}'],
  judgeVerdicts: [METRIC.EVAL_JUDGE_VERDICTS, 'counter', '{verdict}'],
  cost: [METRIC.EVAL_COST, 'counter', '{USD}'],
  duration: [METRIC.EVAL_DURATION, 'histogram', 's'],
};

describe('dashboard metric names follow core METRIC', () => {
  it('names every run metric as Prometheus stores it', () => {
    expect(Object.keys(evalMetrics).sort()).toEqual(Object.keys(EVAL).sort());
    for (const [key, [name, kind, unit]] of Object.entries(evalMetrics))
      expect(EVAL[key as keyof typeof EVAL], key).toBe(prometheusName(name, kind, unit));
  });

  it('names every metric metrics.mjs lists', () => {
    expect(Object.keys(histograms).sort()).toEqual(Object.keys(HISTOGRAMS).sort());
    expect(Object.keys(counters).sort()).toEqual(Object.keys(COUNTERS).sort());
  });

  for (const [kind, table, names] of [
    ['histogram', histograms, HISTOGRAMS],
    ['counter', counters, COUNTERS],
  ] as const) {
    for (const [key, source] of Object.entries(table)) {
      if (source === 'collector') continue;
      it(`${kind} ${key} is ${source[0]} as Prometheus stores it`, () => {
        expect(names[key as keyof typeof names]).toBe(prometheusName(source[0], kind, source[1]));
      });
    }
  }

  it('every gen_ai_/promptscope_ label is an ATTR attribute with dots as underscores', () => {
    const attrs = new Set(Object.values(ATTR).map((a) => a.replace(/\./g, '_')));
    const ours = Object.values(L).filter((l) => /^(gen_ai|promptscope)_/.test(l));
    expect(ours.length).toBeGreaterThan(10);
    for (const label of ours) expect(attrs, label).toContain(label);
  });
});
