import type { ProviderSpec, Target } from '@promptscope/core/provider';
import { modelsRoot } from './client.js';
import { embedContent } from './embed.js';
import { generateContent } from './generate.js';
import { PACKAGE_NAME, PACKAGE_VERSION, SUPPORTED_VERSIONS } from './version.js';

const apiClientOf = (models: unknown): unknown => (models as { apiClient?: unknown } | undefined)?.apiClient;

/*
 * The public `models.generateContent`, `generateContentStream` and `embedContent` are arrow functions the
 * `Models` constructor sets on each instance, so there is no prototype method to wrap for them. Each
 * reaches a prototype method once per model call, and so do `chats.create().sendMessage[Stream]`, which
 * call the public ones: those are what we patch. What the caller gets is untouched: the promise and the
 * async generator the SDK made (automatic function calling wraps the generator in its own, which pulls
 * ours).
 */
const TARGETS: Target[] = [
  { path: ['Models'], method: 'generateContentInternal', mapping: generateContent(false), client: apiClientOf },
  { path: ['Models'], method: 'generateContentStreamInternal', mapping: generateContent(true), client: apiClientOf },
  { path: ['Models'], method: 'embedContentInternal', mapping: embedContent, client: apiClientOf },
];

export const GOOGLE_GENAI: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: '@google/genai',
  supportedVersions: SUPPORTED_VERSIONS,
  clientClass: modelsRoot,
  targets: TARGETS,
  usage: 'import * as genai from "@google/genai"; instrument(genai)',
};
