/**
 * The one table of names promptscope emits.
 *
 * GenAI semantic conventions are at Development stability and still moving (see the README). By default
 * we emit the names today's backends and dashboards consume (core semconv v1.41 era); `semconv: 'latest'`
 * switches the names that were renamed on the conventions' main branch since. Everything the conventions
 * lack lives under `promptscope.*`.
 * Pinned against open-telemetry/semantic-conventions-genai main as of 2026-10.
 */

export const ATTR = {
  OPERATION_NAME: 'gen_ai.operation.name',
  PROVIDER_NAME: 'gen_ai.provider.name',
  REQUEST_MODEL: 'gen_ai.request.model',
  REQUEST_STREAM: 'gen_ai.request.stream',
  REQUEST_MAX_TOKENS: 'gen_ai.request.max_tokens',
  REQUEST_TEMPERATURE: 'gen_ai.request.temperature',
  REQUEST_TOP_P: 'gen_ai.request.top_p',
  REQUEST_TOP_K: 'gen_ai.request.top_k',
  REQUEST_FREQUENCY_PENALTY: 'gen_ai.request.frequency_penalty',
  REQUEST_PRESENCE_PENALTY: 'gen_ai.request.presence_penalty',
  REQUEST_STOP_SEQUENCES: 'gen_ai.request.stop_sequences',
  REQUEST_SEED: 'gen_ai.request.seed',
  REQUEST_CHOICE_COUNT: 'gen_ai.request.choice.count',
  REQUEST_ENCODING_FORMATS: 'gen_ai.request.encoding_formats',
  REQUEST_REASONING_LEVEL: 'gen_ai.request.reasoning.level',
  REQUEST_PREVIOUS_RESPONSE_ID: 'gen_ai.request.previous_response.id',
  OUTPUT_TYPE: 'gen_ai.output.type',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  RESPONSE_ID: 'gen_ai.response.id',
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  EMBEDDINGS_DIMENSION_COUNT: 'gen_ai.embeddings.dimension.count',
  PROMPT_NAME: 'gen_ai.prompt.name',
  PROMPT_VERSION: 'gen_ai.prompt.version',
  /** Prefix of the template variables a registry prompt was rendered with (`gen_ai.prompt.variable.<key>`; content, opt-in). */
  PROMPT_VARIABLE_PREFIX: 'gen_ai.prompt.variable.',
  INPUT_MESSAGES: 'gen_ai.input.messages',
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  SYSTEM_INSTRUCTIONS: 'gen_ai.system_instructions',
  TOOL_DEFINITIONS: 'gen_ai.tool.definitions',
  TOKEN_TYPE: 'gen_ai.token.type',
  TOKEN_MODALITY: 'gen_ai.token.modality',
  ERROR_TYPE: 'error.type',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  HTTP_STATUS_CODE: 'http.response.status_code',
  OPENAI_API_TYPE: 'openai.api.type',
  OPENAI_REQUEST_SERVICE_TIER: 'openai.request.service_tier',
  OPENAI_RESPONSE_SERVICE_TIER: 'openai.response.service_tier',
  OPENAI_RESPONSE_SYSTEM_FINGERPRINT: 'openai.response.system_fingerprint',

  // promptscope.* : what the conventions do not define (yet).
  PROMPT_LABEL: 'promptscope.prompt.label',
  PROMPT_SHA256: 'promptscope.prompt.sha256',
  PROMPT_SOURCE: 'promptscope.prompt.source',
  USAGE_SOURCE: 'promptscope.usage.source',
  STREAM_USAGE_REQUESTED: 'promptscope.stream.usage_requested',
  STREAM_OUTCOME: 'promptscope.stream.outcome',
  STREAM_CHUNKS: 'promptscope.stream.chunks',
  COST_USD: 'promptscope.cost.usd',
  COST_INPUT_USD: 'promptscope.cost.input_usd',
  COST_OUTPUT_USD: 'promptscope.cost.output_usd',
  COST_UNPRICED: 'promptscope.cost.unpriced',
  PRICING_MATCH: 'promptscope.pricing.match',
  PRICING_SOURCE: 'promptscope.pricing.source',
  PRICING_VERSION: 'promptscope.pricing.version',
  CONTENT_TRUNCATED: 'promptscope.content.truncated',
  INSTRUMENTATION_ERROR: 'promptscope.instrumentation.error',
  // Routed calls (retries, fallback, circuit breaker): the route span and the attempts beneath it.
  ROUTE_NAME: 'promptscope.route.name',
  ROUTE_TARGET: 'promptscope.route.target',
  ROUTE_ATTEMPTS: 'promptscope.route.attempts',
  ROUTE_FALLBACK: 'promptscope.route.fallback',
  ROUTE_SKIPPED: 'promptscope.route.skipped',
  ROUTE_BREAKER_BYPASS: 'promptscope.route.breaker_bypass',
  ATTEMPT_NUMBER: 'promptscope.attempt.number',
  ATTEMPT_KIND: 'promptscope.attempt.kind',
  ATTEMPT_OUTCOME: 'promptscope.attempt.outcome',
  RETRY_DELAY_MS: 'promptscope.retry.delay_ms',
  FALLBACK_FROM: 'promptscope.fallback.from',
  FALLBACK_TO: 'promptscope.fallback.to',
  FALLBACK_REASON: 'promptscope.fallback.reason',
  // Evaluation results (event `gen_ai.evaluation.result`, semconv) and user feedback (@promptscope/feedback).
  EVALUATION_NAME: 'gen_ai.evaluation.name',
  EVALUATION_SCORE_VALUE: 'gen_ai.evaluation.score.value',
  EVALUATION_SCORE_LABEL: 'gen_ai.evaluation.score.label',
  EVALUATION_EXPLANATION: 'gen_ai.evaluation.explanation',
  FEEDBACK_KIND: 'promptscope.feedback.kind',
  FEEDBACK_ID: 'promptscope.feedback.id',
  FEEDBACK_SOURCE: 'promptscope.feedback.source',
  FEEDBACK_EDIT_RATIO: 'promptscope.feedback.edit_ratio',
  // Who the work was for: a low-cardinality segment (spans and metrics) and, opt-in, a hashed end-user id (spans only).
  USER_SEGMENT: 'promptscope.user.segment',
  ENDUSER_ID: 'enduser.id',
  // Test and replay runs (@promptscope/eval): OTel's test.* attributes on the run's spans, and which kind of run.
  TEST_SUITE_NAME: 'test.suite.name',
  TEST_SUITE_RUN_ID: 'test.suite.run.id',
  TEST_CASE_NAME: 'test.case.name',
  TEST_CASE_RESULT_STATUS: 'test.case.result.status',
  RUN_KIND: 'promptscope.run.kind',
  TEST_REPEAT: 'promptscope.test.repeat',
  TEST_CACHE_HIT: 'promptscope.test.cache_hit',
  // Run metrics of test and replay runs (METRIC.EVAL_*): which candidate, which side of the comparison, what came out.
  EVAL_CANDIDATE: 'promptscope.eval.candidate',
  EVAL_SIDE: 'promptscope.eval.side',
  EVAL_OUTCOME: 'promptscope.eval.outcome',
  EVAL_VERDICT: 'promptscope.eval.verdict',
} as const;

/** The finish reason recorded for a choice the provider ended without giving one (a cut stream, a failed call). */
export const FINISH_REASON_UNKNOWN = 'error';

/** The W3C baggage entry carrying the segment to downstream services (`withSegment`). */
export const SEGMENT_BAGGAGE_KEY = 'promptscope.segment';
/** What metrics report for a segment beyond the cardinality cap (`segmentLimit`); spans keep the real value. */
export const SEGMENT_OTHER = 'other';

/** Attribute names that differ between the default and the latest conventions. */
export interface SemconvNames {
  cacheWriteInputTokens: string;
  metricDuration: string;
  metricEmbeddingsDuration: string;
  metricTimeToFirstChunk: string;
  metricTimePerOutputChunk: string;
}

const DEFAULT_NAMES: SemconvNames = {
  cacheWriteInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  metricDuration: 'gen_ai.client.operation.duration',
  metricEmbeddingsDuration: 'gen_ai.client.operation.duration',
  metricTimeToFirstChunk: 'gen_ai.client.operation.time_to_first_chunk',
  metricTimePerOutputChunk: 'gen_ai.client.operation.time_per_output_chunk',
};

const LATEST_NAMES: SemconvNames = {
  cacheWriteInputTokens: 'gen_ai.usage.cache_write.input_tokens',
  metricDuration: 'gen_ai.client.inference.duration',
  metricEmbeddingsDuration: 'gen_ai.client.embeddings.duration',
  metricTimeToFirstChunk: 'gen_ai.client.inference.time_to_first_chunk',
  metricTimePerOutputChunk: 'gen_ai.client.inference.time_per_output_chunk',
};

export type SemconvMode = 'default' | 'latest';

export function semconvNames(mode: SemconvMode): SemconvNames {
  return mode === 'latest' ? LATEST_NAMES : DEFAULT_NAMES;
}

export const METRIC = {
  /** Default mode: one histogram for input and output tokens, split by `gen_ai.token.type`. */
  TOKEN_USAGE: 'gen_ai.client.token.usage',
  /** Latest mode: counters per token kind, split by `gen_ai.token.modality`. */
  USAGE_INPUT_TOKENS: 'gen_ai.client.inference.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.client.inference.usage.output_tokens',
  COST: 'promptscope.client.cost_usd',
  UNPRICED: 'promptscope.client.unpriced_calls',
  INSTRUMENTATION_ERRORS: 'promptscope.instrumentation.errors',
  /** Routed calls: every attempt, by route, target, kind and outcome. */
  ROUTE_ATTEMPTS: 'promptscope.route.attempts',
  /** Failed attempts by provider, target and error.type (caller aborts and bugs in a target excluded). */
  PROVIDER_ERRORS: 'promptscope.provider.errors',
  /** A routed call leaving a target for the next one, by from, to and reason. */
  ROUTE_FALLBACKS: 'promptscope.route.fallbacks',
  /** Feedback scores (`gen_ai.evaluation.score.value`) by prompt name and version, model, evaluation name and kind. */
  FEEDBACK_SCORE: 'promptscope.feedback.score',
  /** Feedback records, with or without a score, by the same attributes plus the score label. */
  FEEDBACK_COUNT: 'promptscope.feedback.count',
  /** Feedback refused as invalid (bad token, value out of range, unknown category, ...), by `error.type`. */
  FEEDBACK_REJECTED: 'promptscope.feedback.rejected',
  /** Operations whose segment was reported as `other` on metrics because the `segmentLimit` cap was reached. */
  SEGMENT_OVERFLOW: 'promptscope.segment.overflow',
  /**
   * Test and replay runs (@promptscope/eval), never production calls: cases or replayed inputs by outcome
   * (pass, fail, error; improved, regressed, unchanged, skipped), by prompt name, candidate, and run kind.
   */
  EVAL_CASES: 'promptscope.eval.cases',
  /** Pairwise judge verdicts of replay runs (candidate, baseline, tie, error). */
  EVAL_JUDGE_VERDICTS: 'promptscope.eval.judge.verdicts',
  /** What a run's calls cost, by side (candidate, baseline; a recorded baseline is what production paid). */
  EVAL_COST: 'promptscope.eval.cost_usd',
  /** Latency of each side's calls, in seconds (a recorded baseline is production's). */
  EVAL_DURATION: 'promptscope.eval.duration',
} as const;

/** Bucket advice from the conventions (seconds, and tokens). */
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

export const OPERATION = {
  CHAT: 'chat',
  TEXT_COMPLETION: 'text_completion',
  EMBEDDINGS: 'embeddings',
  /** Gemini's name for a content generation call (the conventions' `generate_content`). */
  GENERATE_CONTENT: 'generate_content',
} as const;

export const PROVIDER = {
  OPENAI: 'openai',
  AZURE_OPENAI: 'azure.ai.openai',
  ANTHROPIC: 'anthropic',
  AWS_BEDROCK: 'aws.bedrock',
  GCP_GEMINI: 'gcp.gemini',
  GCP_VERTEX_AI: 'gcp.vertex_ai',
  MISTRAL_AI: 'mistral_ai',
  GROQ: 'groq',
  /** Not in the conventions' list; genai-prices' id for Together AI. */
  TOGETHER_AI: 'together',
} as const;

/** The instrumentation scope every promptscope tracer and meter uses. */
export const SCOPE_NAME = '@promptscope/core';
