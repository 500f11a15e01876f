import type { ProviderAdapter } from '@promptscope/testing/contract';
import { TOGETHER_VERSIONS } from '../src/index.js';
import { type CompatibleSdk, compatibleAdapter } from './compatible-adapter.js';

/** `together-ai` 0.x: its base URL ends in `/v1`, which the fake serves under `/together`. */
export const TOGETHER_SDK: CompatibleSdk = {
  name: 'together',
  majors: ['together-v0'],
  className: 'Together',
  packageName: 'together-ai',
  versions: TOGETHER_VERSIONS,
  baseURL: (fake) => `${fake.origin}/together/v1`,
  model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  embeddingModel: 'BAAI/bge-base-en-v1.5',
};

export const togetherAdapter: ProviderAdapter = compatibleAdapter(TOGETHER_SDK);
