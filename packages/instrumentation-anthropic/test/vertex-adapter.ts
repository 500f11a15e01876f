import type { FakeProvider } from '@promptscope/testing';
import type { ProviderAdapter, Sdk } from '@promptscope/testing/contract';
import { anthropicAdapter, messagesApis } from './adapter.js';

/** A Vertex model id as `AnthropicVertex` callers write it: the version after `@`. */
export const VERTEX_MODEL = 'claude-3-5-haiku@20241022';
export const VERTEX_MAJORS = ['anthropic-vertex-v0', 'anthropic-vertex-v1'] as const;
export const PROJECT = 'promptscope-test';
export const REGION = 'us-east5';

/**
 * Google credentials without Google: the client asks its auth client for request headers before each call,
 * and this one answers with `token` as the bearer at once.
 */
export function offlineGoogleAuth(token: string) {
  return { getRequestHeaders: async () => new Headers({ authorization: `Bearer ${token}` }) };
}

export function vertexClient(mod: Sdk, fake: FakeProvider, token: string, opts: Record<string, unknown> = {}): Sdk {
  const AnthropicVertex = mod.AnthropicVertex ?? mod.default;
  return new AnthropicVertex({
    region: REGION,
    projectId: PROJECT,
    baseURL: fake.url,
    authClient: offlineGoogleAuth(token),
    maxRetries: 0,
    ...opts,
  });
}

/**
 * `@anthropic-ai/vertex-sdk` as the contract suite sees it: the Anthropic Messages API on Vertex's
 * `rawPredict` paths, through the same mapping as `@anthropic-ai/sdk`.
 */
export const vertexAdapter: ProviderAdapter = {
  ...anthropicAdapter,
  name: 'anthropic-vertex',
  majors: VERTEX_MAJORS,
  load: (major) => import(major),
  client: (mod, fake, apiKey) => vertexClient(mod, fake, apiKey),
  body: (request) => anthropicAdapter.body({ model: VERTEX_MODEL, ...request }),
  apis: messagesApis(VERTEX_MODEL),
  // The Google access token, as the fake received it.
  sentKey: ({ headers }) => String(headers.authorization).replace(/^Bearer /, ''),
};
