export { type ChangeEntry, labelStack, type WriteOptions } from './changelog.js';
export {
  createPromptClient,
  type GetOptions,
  type PromptClient,
  type PromptClientOptions,
  type SourceOptions,
} from './client.js';
export { isPromptError, PromptError, type PromptErrorCode } from './errors.js';
export { formatLabels, type LabelPointer, type Labels, parseLabels } from './labels.js';
export { PROMPT_METRIC } from './metrics.js';
export type { NewVersionInput } from './new-version.js';
export { PIN_PREFIX, pinVariable } from './pins.js';
export type { PromptOrigin, PromptVersion } from './prompt-version.js';
export { type PromptSummary, Registry, type VersionFile } from './registry.js';
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
