export {
  cosine,
  DEFAULT_SIMILAR_THRESHOLD,
  evaluateAssertion,
  type Grader,
  type Observed,
  runPasses,
} from './assert/evaluate.js';
export { DEFAULT_JUDGE, type JudgeSettings, type JudgeVerdict, judgeRequest, parseJudgeReply } from './assert/judge.js';
export { ASSERTION_TYPES, type Assertion, type AssertionResult, type AssertionType } from './assert/types.js';
export { BankFile, bankPath, loadBank, type NewCase, parseBank } from './bank/file.js';
export { canonicalJson, caseIdFor, varsKey } from './bank/ids.js';
export { type Bank, type BankCase, type CaseSource, fieldName, type Vars, validateBank } from './bank/model.js';
export {
  CONFIG_FILE,
  type Config,
  DEFAULT_BANK_DIR,
  DEFAULT_GATED_LABELS,
  DEFAULT_REPORTS_DIR,
  loadConfig,
  parseConfig,
  type TestConfig,
} from './config.js';
export { BankError, describeError, HarvestError, InfraError } from './errors.js';
export { fromJaegerSpan, type ReadReplay, readReplayFile, replayFiles, spansOfRequest } from './harvest/otlp-file.js';
export {
  type CapturedCompletion,
  type CapturedFeedback,
  type CapturedSpan,
  type CompletionFilter,
  caseFromCompletion,
  completionsOf,
  type HarvestOptions,
  isFailed,
  isNegative,
  NEGATIVE_SCORE,
  outputOf,
  selectCompletions,
  signalOf,
  variablesOf,
} from './harvest/spans.js';
export { compare, DEFAULT_POLICY, evaluatePolicy, outcomeOf, type Policy, parseFraction } from './policy.js';
export { findPassingReport, type ReportCheck, saveReport } from './promotion.js';
export { CostEstimator } from './replay/estimate.js';
export {
  baselineName,
  candidateName,
  formatReplayMarkdown,
  formatReplayTerminal,
  worstInputs,
} from './replay/format.js';
export { formatReplayHtml } from './replay/html.js';
export { DEFAULT_REPLAY_LIMIT, pickCompletions, prepareInput, type ReplayFilter } from './replay/inputs.js';
export { parsePairwiseReply } from './replay/judge.js';
export { recordReplayMetrics, recordTestMetrics } from './replay/metrics.js';
export {
  DEFAULT_SWAP_SHARE,
  planReplay,
  REPLAY_NOTICE,
  type ReplayPlan,
  type ReplayPlanOptions,
  type ReplayRunOptions,
  runReplay,
} from './replay/run.js';
export { decide, lexicalSimilarity, type ReplayPolicy, replayVerdict, summarize } from './replay/summary.js';
export * from './replay/types.js';
export { formatJunit } from './report/junit.js';
export { formatTerminal, worstFirst } from './report/terminal.js';
export {
  type CaseOutcome,
  type CaseReport,
  type Check,
  REPORT_SCHEMA,
  type Report,
  type RunRecord,
  type TargetInfo,
  type Verdict,
} from './report/types.js';
export { cacheKey, defaultCacheDir, ResponseCache } from './run/cache.js';
export { type ChatRequest, type ChatResult, type ProviderOptions, Providers } from './run/providers.js';
export { mapPool, RateGate, type RetryOptions, withRetries } from './run/retry.js';
export { DEFAULT_EMBEDDING_MODEL, type Execution, Runner, type RunnerOptions } from './run/runner.js';
export { routingTracerProvider, type Sink, type SpanRecord, withSink } from './run/tap.js';
export { chatRequest, resolveTarget, type Target, type TargetOptions, targetName } from './run/target.js';
export { diffInterval, fisherExact, mean, percentile, wilson } from './stats.js';
export { mergeReports, parseShard, runSuite, type Shard, type SuiteOptions, shardOf, targetInfo } from './suite.js';
