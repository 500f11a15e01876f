import { findClientClass, type ProviderSpec, type Target } from '@promptscope/core/provider';
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

export const OPENAI: ProviderSpec = {
  packageName: PACKAGE_NAME,
  packageVersion: PACKAGE_VERSION,
  moduleName: 'openai',
  supportedVersions: SUPPORTED_VERSIONS,
  clientClass: (moduleExports) => findClientClass(moduleExports, 'OpenAI', 'Chat'),
  targets: TARGETS,
  usage: 'import OpenAI from "openai"; instrument(OpenAI)',
};
