/**
 * The provider contract suite: the guarantees every provider package keeps (same behaviour with and
 * without instrumentation, every exit path ends the span once, bad input, privacy, replay of recorded
 * responses), each a family of Vitest tests run against an adapter that says how to reach that provider.
 * A provider's test file per family calls one `describe…` with its adapter and adds what is particular
 * to its SDK.
 */
export type {
  ChatRequest,
  ContractApi,
  ContractCore,
  ContractOptions,
  ProviderAdapter,
  Sdk,
} from './contract/adapter.js';
export { failed, oursOf } from './contract/adapter.js';
export { describeBadInput } from './contract/bad-input.js';
export { describeSameBehaviour } from './contract/behaviour.js';
export { type CorpusCase, describeCorpusReplay, type RecordedResponse } from './contract/corpus.js';
export { describeExitPaths } from './contract/exit-paths.js';
export { API_KEY, counter, drain, forMajor, MAJORS_ENV, type MajorRun, majorsUnderTest } from './contract/major.js';
export { describePrivacy } from './contract/privacy.js';
export { otlpExportingProviders } from './otlp-exporting.js';
