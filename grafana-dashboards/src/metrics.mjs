// The one place that names promptscope's metrics as Prometheus stores them, and their labels.
//
// Path: app (OTel JS SDK) -> OTLP -> collector -> prometheusremotewrite exporter
// (translation_strategy UnderscoreEscapingWithSuffixes, the default). Rules (the collector's OTLP-to-Prometheus translation):
// dots -> `_`; unit `s` -> `_seconds`; units in braces (`{token}`, `{USD}`, `{call}`, `{error}`) add nothing;
// counters get `_total`; histograms then get `_bucket`/`_sum`/`_count`. Resource `service.name` -> `job`.
// The alert rules (alerting/rules.mjs) import this module too: correct a name here and regenerate both.

/** Histogram base names (append `_bucket`, `_sum`, `_count`). */
export const HISTOGRAMS = Object.freeze({
  /** gen_ai.client.operation.duration, unit s, every call (failures carry error_type). */
  duration: 'gen_ai_client_operation_duration_seconds',
  /** gen_ai.client.token.usage, unit {token}, label gen_ai_token_type = input | output. */
  tokens: 'gen_ai_client_token_usage',
  /** gen_ai.client.operation.time_to_first_chunk, unit s, successful streams only. */
  ttft: 'gen_ai_client_operation_time_to_first_chunk_seconds',
  /** gen_ai.client.operation.time_per_output_chunk, unit s, successful streams only. */
  timePerChunk: 'gen_ai_client_operation_time_per_output_chunk_seconds',
  /** spanmetrics connector (namespace traces.span.metrics, histogram unit s). */
  spanDuration: 'traces_span_metrics_duration_seconds',
  /**
   * promptscope.feedback.score (@promptscope/feedback), unit `1`: one observation per scored feedback record.
   * Unit `1` adds no suffix to a histogram (`_ratio` is for gauges only). Buckets 0, 0.1, …, 1, 2, 3, 4, 5, 10.
   * Labels job, gen_ai_prompt_name, gen_ai_prompt_version, gen_ai_response_model, gen_ai_evaluation_name,
   * promptscope_feedback_kind; no provider, no request model.
   */
  feedbackScore: 'promptscope_feedback_score',
});

/**
 * A feedback score at or below this bucket bound is negative feedback (on the 0..1 scale: thumbs down,
 * regenerated/discarded/abandoned, an edit that rewrote >= 60 %): the numerator of the negative-feedback ratio.
 */
export const NEGATIVE_SCORE_LE = '0.4';

/** Counter names as stored (with `_total`). */
export const COUNTERS = Object.freeze({
  /** promptscope.client.cost_usd, unit {USD}. */
  cost: 'promptscope_client_cost_usd_total',
  /** promptscope.client.unpriced_calls, unit {call}. */
  unpriced: 'promptscope_client_unpriced_calls_total',
  /** promptscope.instrumentation.errors, unit {error}, label stage. */
  instrumentationErrors: 'promptscope_instrumentation_errors_total',
  /** spanmetrics connector calls counter. */
  spanCalls: 'traces_span_metrics_calls_total',
  /**
   * promptscope.route.attempts, unit {attempt}: every attempt of a routed call (createRoute), labels
   * promptscope_route_name, promptscope_route_target, promptscope_attempt_kind (initial | retry | fallback),
   * promptscope_attempt_outcome (success | error). No provider, model or prompt labels.
   */
  routeAttempts: 'promptscope_route_attempts_total',
  /**
   * promptscope.provider.errors, unit {error}: failed attempts of routed calls, labels promptscope_route_name,
   * promptscope_route_target, error_type, gen_ai_provider_name (when the target names its provider).
   */
  providerErrors: 'promptscope_provider_errors_total',
  /**
   * promptscope.route.fallbacks, unit {fallback}: a routed call leaving a target for the next, labels
   * promptscope_route_name, promptscope_fallback_from, promptscope_fallback_to, promptscope_fallback_reason
   * (an error_type, or retries_exhausted | retry_budget_exhausted | breaker_open).
   */
  routeFallbacks: 'promptscope_route_fallbacks_total',
  /**
   * promptscope.feedback.count, unit {feedback}: every feedback record (scored or not), labels as
   * promptscope_feedback_score plus gen_ai_evaluation_score_label (pass/fail, the category, the implicit signal).
   */
  feedback: 'promptscope_feedback_count_total',
  /**
   * promptscope.segment.overflow, unit {call}, observable counter: operations whose promptscope.user.segment was
   * reported as `other` on metrics because the process had already seen `segmentLimit` distinct segments (the
   * cardinality guard). Label job only; absent until the first overflow.
   */
  segmentOverflow: 'promptscope_segment_overflow_total',
});

/**
 * Run metrics of `promptscope test` and `promptscope replay` (@promptscope/eval), never production calls. A run
 * exports them once, at its end, from its own service instance (label `instance`): each run is one series with
 * one sample, so panels sum runs with `max_over_time`, never `increase` (it needs two samples of one series).
 * Labels job (promptscope-test, promptscope-replay), gen_ai_prompt_name, promptscope_eval_candidate (`v3`, `draft`,
 * `v3 on anthropic/claude-…`), promptscope_run_kind (test | replay), plus the ones named on each.
 */
export const EVAL = Object.freeze({
  /** promptscope.eval.cases, unit {case}, label promptscope_eval_outcome: pass | fail | error (test);
   * improved | regressed | unchanged | error | skipped (replay). */
  cases: 'promptscope_eval_cases_total',
  /** promptscope.eval.judge.verdicts, unit {verdict}, label promptscope_eval_verdict: candidate | baseline | tie | error. */
  judgeVerdicts: 'promptscope_eval_judge_verdicts_total',
  /** promptscope.eval.cost_usd, unit {USD}, label promptscope_eval_side: candidate | baseline (a recorded baseline
   * is what production paid). */
  cost: 'promptscope_eval_cost_usd_total',
  /** promptscope.eval.duration, unit s, histogram (append _bucket/_sum/_count), label promptscope_eval_side. */
  duration: 'promptscope_eval_duration_seconds',
});

/** What metrics report for a segment beyond the cardinality cap (`SEGMENT_OTHER` in @promptscope/core). */
export const SEGMENT_OTHER = 'other';

/** Label names on the promptscope metrics. */
export const L = Object.freeze({
  job: 'job',
  operation: 'gen_ai_operation_name',
  provider: 'gen_ai_provider_name',
  model: 'gen_ai_request_model',
  responseModel: 'gen_ai_response_model',
  errorType: 'error_type',
  prompt: 'gen_ai_prompt_name',
  version: 'gen_ai_prompt_version',
  tokenType: 'gen_ai_token_type',
  stage: 'stage',
  route: 'promptscope_route_name',
  routeTarget: 'promptscope_route_target',
  attemptKind: 'promptscope_attempt_kind',
  attemptOutcome: 'promptscope_attempt_outcome',
  fallbackFrom: 'promptscope_fallback_from',
  fallbackTo: 'promptscope_fallback_to',
  fallbackReason: 'promptscope_fallback_reason',
  evaluation: 'gen_ai_evaluation_name',
  scoreLabel: 'gen_ai_evaluation_score_label',
  feedbackKind: 'promptscope_feedback_kind',
  /**
   * promptscope.user.segment (withSegment): on the duration, token, TTFT and cost series of calls made inside a
   * segment; `other` past the cardinality cap; absent outside any segment.
   */
  segment: 'promptscope_user_segment',
  candidate: 'promptscope_eval_candidate',
  runKind: 'promptscope_run_kind',
  evalOutcome: 'promptscope_eval_outcome',
  evalSide: 'promptscope_eval_side',
  evalVerdict: 'promptscope_eval_verdict',
  /** Resource service.instance.id: one per test or replay run. */
  instance: 'instance',
  /** Resource service.name copied onto every series (resource_constant_labels): the Jaeger service name. */
  serviceName: 'service_name',
});

/** Label names on the spanmetrics series (service is a dimension there, not only `job`). */
export const SPAN_L = Object.freeze({
  service: 'service_name',
  spanName: 'span_name',
  spanKind: 'span_kind',
  statusCode: 'status_code',
  statusError: 'STATUS_CODE_ERROR',
});

export const bucket = (h) => `${h}_bucket`;
export const sum = (h) => `${h}_sum`;
export const count = (h) => `${h}_count`;

/**
 * The collectors' own telemetry (agents, gateways, the single collector), scraped by Prometheus from each one's
 * self-metrics endpoint (stack job `otelcol`). Names as collector v0.161.0 exposes them: counters without `_total`.
 * The failure counters appear on a collector's first failure, not before.
 */
export const COLLECTOR = Object.freeze({
  acceptedSpans: 'otelcol_receiver_accepted_spans',
  /** Refused by a receiver (memory limiter, a full pipeline): the sender got an error and may retry. */
  refusedNames: Object.freeze(
    ['spans', 'metric_points', 'log_records'].map((what) => `otelcol_receiver_refused_${what}`),
  ),
  /** Dropped for good: retries ran out (send_failed) or the queue was full (enqueue_failed). */
  droppedNames: Object.freeze(
    ['send', 'enqueue'].flatMap((how) =>
      ['spans', 'metric_points', 'log_records'].map((what) => `otelcol_exporter_${how}_failed_${what}`),
    ),
  ),
  queueSize: 'otelcol_exporter_queue_size',
  queueCapacity: 'otelcol_exporter_queue_capacity',
});

/** Labels on the collectors' own metrics, and the span-metric label naming the gateway that made a series. */
export const COLLECTOR_L = Object.freeze({
  instance: 'instance',
  exporter: 'exporter',
  receiver: 'receiver',
  dataType: 'data_type',
  gateway: 'promptscope_gateway',
});
