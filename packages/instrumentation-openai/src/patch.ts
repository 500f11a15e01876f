import { diag } from '@opentelemetry/api';
import { patchTargets, type Target, type Telemetry, unpatchTargets } from '@promptscope/core';
import { chatCompletions } from './chat.js';
import { embeddings } from './embeddings.js';
import { responses } from './responses.js';

/** Where each patched method lives, reached from the exported client class (stable from v4 to v7). */
const TARGETS: Target[] = [
  { path: ['Chat', 'Completions'], method: 'create', mapping: chatCompletions },
  { path: ['Responses'], method: 'create', mapping: responses },
  { path: ['Embeddings'], method: 'create', mapping: embeddings },
];

/** The `OpenAI` class from a CJS `module.exports`, an ESM namespace, or the class itself. */
export function clientClass(moduleExports: unknown): Record<string, unknown> | undefined {
  const m = moduleExports as Record<string, unknown> | undefined;
  if (m === undefined || m === null) return undefined;
  for (const candidate of [m.OpenAI, m.default, m]) {
    if (typeof candidate === 'function' && typeof (candidate as { Chat?: unknown }).Chat === 'function') {
      return candidate as unknown as Record<string, unknown>;
    }
  }
  return undefined;
}

/** Patches the `openai` module's resource classes. Returns how many methods were patched. */
export function patchOpenAI(moduleExports: unknown, telemetry: () => Telemetry): number {
  const OpenAI = clientClass(moduleExports);
  if (OpenAI === undefined) {
    diag.warn('promptscope: this does not look like the openai module (no OpenAI.Chat); nothing patched');
    return 0;
  }
  return patchTargets(OpenAI, TARGETS, telemetry);
}

export function unpatchOpenAI(moduleExports: unknown): void {
  const OpenAI = clientClass(moduleExports);
  if (OpenAI !== undefined) unpatchTargets(OpenAI, TARGETS);
}
