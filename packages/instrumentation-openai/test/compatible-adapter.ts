import { endOpenOperations, Operation, PriceBook } from '@promptscope/core/provider';
import type { FakeProvider } from '@promptscope/testing';
import { type ContractApi, drain, type ProviderAdapter } from '@promptscope/testing/contract';
import { instrument, PACKAGE_NAME } from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: SDK modules and clients of any version
type Any = any;

/** What tells one OpenAI-shaped Stainless SDK (`groq-sdk`, `together-ai`) from another in the suite. */
export interface CompatibleSdk {
  name: string;
  /** Its installed npm aliases, oldest first. */
  majors: readonly string[];
  /** The client class's export name. */
  className: string;
  /** The SDK's npm name and the versions the instrumentation declares for it. */
  packageName: string;
  versions: string;
  /** The fake's base URL for this SDK's client: the OpenAI wire serves each host under its own prefix. */
  baseURL(fake: FakeProvider): string;
  model: string;
  embeddingModel: string;
}

export function chatBody(model: string, text: string, system?: string, extra: Record<string, unknown> = {}) {
  return {
    model,
    messages: [...(system === undefined ? [] : [{ role: 'system', content: system }]), { role: 'user', content: text }],
    ...extra,
  };
}

export function compatibleClient(sdk: CompatibleSdk, mod: Any, fake: FakeProvider, apiKey: string): Any {
  const Client = mod[sdk.className] ?? mod.default;
  return new Client({ apiKey, baseURL: sdk.baseURL(fake), maxRetries: 0 });
}

/** The provider contract suite's view of an OpenAI-shaped SDK instrumented by this package. */
export function compatibleAdapter(sdk: CompatibleSdk): ProviderAdapter {
  const apis: ContractApi[] = [
    {
      name: 'chat',
      stream: false,
      chat: true,
      call: (c, text, system) => c.chat.completions.create(chatBody(sdk.model, text, system)),
    },
    {
      name: 'chat stream',
      stream: true,
      chat: true,
      call: async (c, text, system) =>
        drain(await c.chat.completions.create(chatBody(sdk.model, text, system, { stream: true }))),
    },
    {
      name: 'embeddings',
      stream: false,
      chat: false,
      call: (c, text) => c.embeddings.create({ model: sdk.embeddingModel, input: text }),
    },
  ];
  return {
    name: sdk.name,
    scope: PACKAGE_NAME,
    majors: sdk.majors,
    load: (major) => import(major),
    instrument: (mod, options) => instrument(mod, options),
    core: { Operation, PriceBook, endOpenOperations },
    stainless: true,
    client: (mod, fake, apiKey) => compatibleClient(sdk, mod, fake, apiKey),
    body: ({ content = 'hi', system, model = sdk.model, stream, extra }) =>
      chatBody(model, content as string, system, { ...(stream ? { stream: true } : {}), ...extra }),
    create: (client, body, options) => client.chat.completions.create(body, options),
    textPart: (text) => ({ type: 'text', text }),
    imagePart: (data, mime) => ({ type: 'image_url', image_url: { url: `data:${mime};base64,${data}` } }),
    apis,
    httpErrors: [
      { fault: 'rate_limit', status: 429, errorClass: 'RateLimitError' },
      { fault: 'server_error', status: 500, errorClass: 'InternalServerError' },
      { fault: 'unavailable', status: 503, errorClass: 'InternalServerError' },
      { fault: 'overloaded', status: 529, errorClass: 'InternalServerError' },
    ],
    isOutputChunk: (chunk) => Array.isArray(chunk?.choices) && chunk.choices.length > 0,
    // No instrumentedBody: neither API is asked for stream usage, so every request goes out as the caller made it.
    sentKey: (request) => String(request.headers.authorization).replace(/^Bearer /, ''),
  };
}
