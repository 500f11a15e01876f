export {
  createPromptClient,
  type GetOptions,
  PIN_PREFIX,
  type PromptClient,
  type PromptClientOptions,
  type PromptOrigin,
  type PromptVersion,
  pinVariable,
  type SourceOptions,
} from './client.js';
export { isPromptError, PromptError, type PromptErrorCode } from './errors.js';
export { formatLabels, type LabelPointer, type Labels, parseLabels } from './labels.js';
export { PROMPT_METRIC } from './metrics.js';
export {
  type ChangeEntry,
  labelStack,
  type NewVersionInput,
  type PromptSummary,
  Registry,
  type VersionFile,
  type WriteOptions,
} from './registry.js';
export { fill, type Rendered, render, resolveVariables, type Variables } from './render.js';
export {
  type DirSourceOptions,
  dirSource,
  type LabelsBody,
  type PromptSource,
  type UrlSourceOptions,
  urlSource,
} from './sources.js';
export {
  type ChatMessage,
  checkLabel,
  checkName,
  PROVIDERS,
  type PromptProvider,
  type PromptSpec,
  parseSpec,
  parseVersion,
  placeholders,
  providerOf,
  sha256,
  type VariableSpec,
  versionFileName,
} from './spec.js';
