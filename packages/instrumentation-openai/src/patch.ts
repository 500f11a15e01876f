import type { ProviderSpec, Target } from '@promptscope/core';
import { chatCompletions } from './chat.js';
import { embeddings } from './embeddings.js';
import { responses } from './responses.js';
import { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';

/** Where each patched method lives, reached from the exported client class (stable from v4 to v7). */
const TARGETS: Target[] = [
  { path: ['Chat', 'Completions'], method: 'create', mapping: chatCompletions },
  { path: ['Responses'], method: 'create', mapping: responses },
  { path: ['Embeddings'], method: 'create', mapping: embeddings },
];

/** The `OpenAI` class from a CJS `module.exports`, an ESM namespace, or the class itself. */
function clientClass(moduleExports: unknown): Record<string, unknown> | undefined {
  const m = moduleExports as Record<string, unknown> | undefined;
  if (m === undefined || m === null) return undefined;
  for (const candidate of [m.OpenAI, m.default, m]) {
    if (typeof candidate === 'function' && typeof (candidate as { Chat?: unknown }).Chat === 'function') {
      return candidate as unknown as Record<string, unknown>;
    }
  }
  return undefined;
}

export const OPENAI: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: 'openai',
  supportedVersions: SUPPORTED_VERSIONS,
  clientClass,
  targets: TARGETS,
  usage: 'import OpenAI from "openai"; instrument(OpenAI)',
};
