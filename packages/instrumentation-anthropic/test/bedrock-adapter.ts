import type { FakeProvider } from '@promptscope/testing';
import type { ProviderAdapter, Sdk } from '@promptscope/testing/contract';
import { anthropicAdapter, messagesApis } from './adapter.js';

/** A Bedrock model id as `AnthropicBedrock` callers write it. */
export const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
export const BEDROCK_MAJORS = ['anthropic-bedrock-v0', 'anthropic-bedrock-v1'] as const;

/** Static AWS keys: the SDK signs each request with them (SigV4); the access key id is the contract's key. */
export function bedrockClient(
  mod: Sdk,
  fake: FakeProvider,
  accessKey: string,
  opts: Record<string, unknown> = {},
): Sdk {
  const AnthropicBedrock = mod.AnthropicBedrock ?? mod.default;
  return new AnthropicBedrock({
    awsRegion: 'us-east-1',
    awsAccessKey: accessKey,
    awsSecretKey: 'bedrock-secret-PROMPTSCOPE-0123456789',
    baseURL: fake.origin,
    maxRetries: 0,
    ...opts,
  });
}

/**
 * `@anthropic-ai/bedrock-sdk` as the contract suite sees it: the Anthropic Messages API over Bedrock's
 * InvokeModel paths (streams in AWS event-stream framing), through the same mapping as `@anthropic-ai/sdk`.
 */
export const anthropicBedrockAdapter: ProviderAdapter = {
  ...anthropicAdapter,
  name: 'anthropic-bedrock',
  majors: BEDROCK_MAJORS,
  load: (major) => import(major),
  client: (mod, fake, apiKey) => bedrockClient(mod, fake, apiKey),
  body: (request) => anthropicAdapter.body({ model: BEDROCK_MODEL, ...request }),
  apis: messagesApis(BEDROCK_MODEL),
  // SigV4: `Credential=<access key id>/<date>/<region>/bedrock/aws4_request`.
  sentKey: ({ headers }) => /Credential=([^/]+)\//.exec(String(headers.authorization))?.[1],
};
