import type { Attributes } from '@opentelemetry/api';
import { ATTR, BoundedCache, METRIC, perMeterProvider } from '@promptscope/core/provider';
import type { FeedbackTokenFields } from './token.js';
import { FEEDBACK_SCOPE, FEEDBACK_SCORE_BUCKETS, type FeedbackKind, SCOPE_VERSION } from './types.js';

// One set of instruments per meter provider, shared by every createFeedback() instance on it.
export const feedbackInstruments = perMeterProvider(
  FEEDBACK_SCOPE,
  (meter) => ({
    score: meter.createHistogram(METRIC.FEEDBACK_SCORE, {
      unit: '1',
      description: 'Feedback scores (gen_ai.evaluation.score.value) on completions',
      advice: { explicitBucketBoundaries: FEEDBACK_SCORE_BUCKETS },
    }),
    count: meter.createCounter(METRIC.FEEDBACK_COUNT, {
      unit: '{feedback}',
      description: 'Feedback records on completions, with or without a score',
    }),
    rejected: meter.createCounter(METRIC.FEEDBACK_REJECTED, {
      unit: '{feedback}',
      description: 'Feedback refused as invalid, by error.type',
    }),
    internalErrors: meter.createCounter(METRIC.INSTRUMENTATION_ERRORS, {
      unit: '{error}',
      description: 'Failures inside promptscope, by stage',
    }),
  }),
  SCOPE_VERSION,
);
export type Instruments = ReturnType<typeof feedbackInstruments>;

interface MetricSets {
  score: Attributes;
  count: Attributes;
}

const MAX_ATTRIBUTE_SETS = 2048;

export function metricSetsCache(): (
  t: FeedbackTokenFields,
  name: string,
  kind: FeedbackKind,
  label: string | undefined,
) => MetricSets {
  // Token fields may come from a browser: the cache bounds what they can make us hold.
  const attributeSets = new BoundedCache<MetricSets>(MAX_ATTRIBUTE_SETS);
  return (t, name, kind, label) => {
    const key = `${t.promptName ?? ''}\u0000${t.promptVersion ?? ''}\u0000${t.model ?? ''}\u0000${name}\u0000${kind}\u0000${label ?? ''}`;
    return attributeSets.get(key, () => {
      const score: Attributes = { [ATTR.EVALUATION_NAME]: name, [ATTR.FEEDBACK_KIND]: kind };
      if (t.promptName !== undefined) score[ATTR.PROMPT_NAME] = t.promptName;
      if (t.promptVersion !== undefined) score[ATTR.PROMPT_VERSION] = t.promptVersion;
      if (t.model !== undefined) score[ATTR.RESPONSE_MODEL] = t.model;
      const count: Attributes = { ...score };
      if (label !== undefined) count[ATTR.EVALUATION_SCORE_LABEL] = label;
      return { score: Object.freeze(score), count: Object.freeze(count) };
    });
  };
}
