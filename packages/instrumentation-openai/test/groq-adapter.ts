import type { ProviderAdapter } from '@promptscope/testing/contract';
import { GROQ_VERSIONS } from '../src/index.js';
import { type CompatibleSdk, compatibleAdapter } from './compatible-adapter.js';

/** `groq-sdk` 0.x and 1.x: its paths are `/openai/v1/...` under the host, which the fake serves under `/groq`. */
export const GROQ_SDK: CompatibleSdk = {
  name: 'groq',
  majors: ['groq-v0', 'groq-v1'],
  className: 'Groq',
  packageName: 'groq-sdk',
  versions: GROQ_VERSIONS,
  baseURL: (fake) => `${fake.origin}/groq`,
  model: 'llama-3.3-70b-versatile',
  embeddingModel: 'nomic-embed-text-v1_5',
};

export const groqAdapter: ProviderAdapter = compatibleAdapter(GROQ_SDK);
