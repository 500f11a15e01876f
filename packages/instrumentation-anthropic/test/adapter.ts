import { endOpenOperations, Operation, PriceBook } from '@promptscope/core/provider';
import { type ContractApi, drain, type ProviderAdapter } from '@promptscope/testing/contract';
import { instrument, PACKAGE_NAME } from '../src/index.js';
import { loadMajor, MAJORS, type Major } from './helpers.js';

const MODEL = 'claude-haiku-4-5';

const messagesBody = (text: string, system: string, extra: Record<string, unknown> = {}, model = MODEL) => ({
  model,
  max_tokens: 256,
  system,
  messages: [{ role: 'user', content: text }],
  ...extra,
});
const THINKING = { thinking: { type: 'enabled', budget_tokens: 1024 }, betas: ['interleaved-thinking-2025-05-14'] };

/** messages plain, streamed and through the stream() helper; beta.messages plain and streamed, for `model`. */
export const messagesApis = (model: string): ContractApi[] => [
  {
    name: 'messages',
    stream: false,
    chat: true,
    call: (c, text, system) => c.messages.create(messagesBody(text, system, {}, model)),
  },
  {
    name: 'messages stream',
    stream: true,
    chat: true,
    call: async (c, text, system) =>
      drain(await c.messages.create(messagesBody(text, system, { stream: true }, model))),
  },
  {
    name: 'messages.stream() helper',
    stream: true,
    chat: true,
    call: (c, text, system) => c.messages.stream(messagesBody(text, system, {}, model)).finalMessage(),
  },
  {
    name: 'beta.messages',
    stream: false,
    chat: true,
    call: (c, text, system) =>
      c.beta.messages.create(
        messagesBody(text, system, { ...THINKING, system: [{ type: 'text', text: system }] }, model),
      ),
  },
  {
    name: 'beta.messages stream',
    stream: true,
    chat: true,
    call: async (c, text, system) =>
      drain(await c.beta.messages.create(messagesBody(text, system, { ...THINKING, stream: true }, model))),
  },
];

/** The Anthropic package as the provider contract suite sees it: Messages is its main API. */
export const anthropicAdapter: ProviderAdapter = {
  name: 'anthropic',
  scope: PACKAGE_NAME,
  majors: MAJORS,
  load: (major) => loadMajor(major as Major),
  instrument: (mod, options) => instrument(mod, options),
  core: { Operation, PriceBook, endOpenOperations },
  stainless: true,
  client(mod, fake, apiKey) {
    const Anthropic = mod.Anthropic ?? mod.default;
    return new Anthropic({ apiKey, baseURL: fake.origin, maxRetries: 0 });
  },
  body: ({ content = 'hi', system, model = MODEL, stream, extra }) => ({
    model,
    max_tokens: 64,
    ...(system === undefined ? {} : { system }),
    messages: [{ role: 'user', content }],
    ...(stream ? { stream: true } : {}),
    ...extra,
  }),
  create: (client, body, options) => client.messages.create(body, options),
  textPart: (text) => ({ type: 'text', text }),
  imagePart: (data, mime) => ({ type: 'image', source: { type: 'base64', media_type: mime, data } }),
  apis: messagesApis(MODEL),
  // 1.x has its own classes for 503 and 529 (Anthropic's overloaded_error); 0.x makes both InternalServerError.
  httpErrors: [
    { fault: 'rate_limit', status: 429, errorClass: 'RateLimitError' },
    { fault: 'server_error', status: 500, errorClass: 'InternalServerError' },
    { fault: 'unavailable', status: 503 },
    { fault: 'overloaded', status: 529 },
  ],
  isOutputChunk: (event) => event?.type === 'content_block_delta',
  // 0.x sends the key as x-api-key, 1.x as a bearer token.
  sentKey: ({ headers }) => String(headers['x-api-key'] ?? String(headers.authorization).replace(/^Bearer /, '')),
  thinking: true,
};
