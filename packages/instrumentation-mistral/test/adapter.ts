import { endOpenOperations, Operation, PriceBook } from '@promptscope/core/provider';
import { drain, type ProviderAdapter } from '@promptscope/testing/contract';
import { instrument, PACKAGE_NAME } from '../src/index.js';
import { type Any, loadMajor, MAJORS, type Major, MODEL } from './helpers.js';

const messages = (text: string, system: string) => [
  { role: 'system', content: system },
  { role: 'user', content: text },
];

/** `chat.complete` or `chat.stream` for a neutral body (`stream: true` picks the method; it is not sent). */
function create(client: Any, body: Record<string, unknown>, options?: { signal?: AbortSignal }): Any {
  const { stream, ...request } = body;
  return stream ? client.chat.stream(request, options) : client.chat.complete(request, options);
}

const hasOutput = (choice: Any) =>
  (typeof choice?.delta?.content === 'string' && choice.delta.content !== '') ||
  (Array.isArray(choice?.delta?.toolCalls) && choice.delta.toolCalls.length > 0);

/** The Mistral package as the provider contract suite sees it: `chat.complete` is its main API. */
export const mistralAdapter: ProviderAdapter = {
  name: 'mistral',
  scope: PACKAGE_NAME,
  majors: MAJORS,
  load: (major) => loadMajor(major as Major),
  instrument: (mod, options) => instrument(mod, options),
  core: { Operation, PriceBook, endOpenOperations },
  stainless: false,
  client: (mod, fake, apiKey) => new mod.Mistral({ apiKey, serverURL: fake.origin, retryConfig: { strategy: 'none' } }),
  body: ({ content = 'hi', system, model = MODEL, stream, extra }) => ({
    model,
    maxTokens: 64,
    messages: [...(system === undefined ? [] : [{ role: 'system', content: system }]), { role: 'user', content }],
    ...(stream ? { stream: true } : {}),
    ...extra,
  }),
  create,
  textPart: (text) => ({ type: 'text', text }),
  imagePart: (data, mime) => ({ type: 'image_url', imageUrl: `data:${mime};base64,${data}` }),
  apis: [
    {
      name: 'chat.complete',
      stream: false,
      chat: true,
      call: (c, text, system) => c.chat.complete({ model: MODEL, messages: messages(text, system) }),
    },
    {
      name: 'chat.stream',
      stream: true,
      chat: true,
      call: async (c, text, system) => drain(await c.chat.stream({ model: MODEL, messages: messages(text, system) })),
    },
    {
      name: 'embeddings.create',
      stream: false,
      chat: false,
      call: (c, text) => c.embeddings.create({ model: 'mistral-embed', inputs: [text] }),
    },
  ],
  // Speakeasy SDKs have one class for every 4XX/5XX they do not model (422 is HTTPValidationError).
  httpErrors: [
    { fault: 'rate_limit', status: 429, errorClass: 'SDKError' },
    { fault: 'server_error', status: 500, errorClass: 'SDKError' },
    { fault: 'unavailable', status: 503, errorClass: 'SDKError' },
  ],
  isOutputChunk: (event) => Array.isArray(event?.data?.choices) && event.data.choices.some(hasOutput),
  sentKey: ({ headers }) => String(headers.authorization).replace(/^Bearer /, ''),
  abortErrorClass: 'RequestAbortedError',
  malformedStreamErrorClass: 'ZodError',
  secondIteration: 'nothing',
};
