import { PROVIDER, type ProviderSpec, type Target } from '@promptscope/core/provider';
import { chatCompletionsFor } from './chat.js';
import { embeddingsFor } from './embeddings.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/** The `groq-sdk` and `together-ai` versions tested. */
export const GROQ_VERSIONS = '>=0.37.0 <2';
export const TOGETHER_VERSIONS = '>=0.52.0 <1';

/**
 * The client class of an OpenAI-shaped Stainless SDK by its own name: every such SDK's client has a `Chat`
 * resource, so the marker alone cannot tell `groq-sdk` from `openai` (the SDK decides the provider name).
 */
function namedClientClass(moduleExports: unknown, name: string): Record<string, unknown> | undefined {
  const m = moduleExports as Record<string, unknown> | undefined;
  if (m === undefined || m === null) return undefined;
  const named = m[name];
  for (const candidate of [named, m.default, m]) {
    if (typeof candidate !== 'function') continue;
    const cls = candidate as unknown as Record<string, unknown>;
    if ((candidate === named || candidate.name === name) && typeof cls.Chat === 'function') return cls;
  }
  return undefined;
}

function targets(provider: string): Target[] {
  return [
    {
      path: ['Chat', 'Completions'],
      method: 'create',
      mapping: chatCompletionsFor({ provider, askStreamUsage: false }),
    },
    { path: ['Embeddings'], method: 'create', mapping: embeddingsFor(provider) },
  ];
}

/** `groq-sdk`: Chat Completions (plain and streamed) and embeddings, named `groq`. */
export const GROQ: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: 'groq-sdk',
  supportedVersions: GROQ_VERSIONS,
  clientClass: (moduleExports) => namedClientClass(moduleExports, 'Groq'),
  targets: targets(PROVIDER.GROQ),
  usage: 'import Groq from "groq-sdk"; instrument(Groq)',
};

/** `together-ai`: Chat Completions (plain, streamed, `.stream()`) and embeddings, named `together`. */
export const TOGETHER: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: 'together-ai',
  supportedVersions: TOGETHER_VERSIONS,
  clientClass: (moduleExports) => namedClientClass(moduleExports, 'Together'),
  targets: targets(PROVIDER.TOGETHER_AI),
  usage: 'import Together from "together-ai"; instrument(Together)',
};

/** The spec of the SDK `moduleExports` is, for `instrument()`; `undefined` when it is none of these. */
export function compatibleSpecOf(moduleExports: unknown): ProviderSpec | undefined {
  return [GROQ, TOGETHER].find((spec) => spec.clientClass(moduleExports) !== undefined);
}
