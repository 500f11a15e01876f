import { endOpenOperations, Operation, PriceBook } from '@promptscope/core/provider';
import { type ContractApi, drain, type ProviderAdapter } from '@promptscope/testing/contract';
import { instrument, PACKAGE_NAME } from '../src/index.js';
import { loadMajor, MAJORS, type Major } from './helpers.js';

const MODEL = 'gpt-4o-mini';

/** Chat plain and streamed, Responses plain and streamed, embeddings. */
const apis: ContractApi[] = [
  {
    name: 'chat',
    stream: false,
    chat: true,
    call: (c, text, system) =>
      c.chat.completions.create({
        model: MODEL,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: text },
        ],
      }),
  },
  {
    name: 'chat stream',
    stream: true,
    chat: true,
    call: async (c, text, system) =>
      drain(
        await c.chat.completions.create({
          model: MODEL,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: text },
          ],
          stream: true,
        }),
      ),
  },
  {
    name: 'responses',
    stream: false,
    chat: true,
    call: (c, text, system) => c.responses.create({ model: MODEL, instructions: system, input: text }),
  },
  {
    name: 'responses stream',
    stream: true,
    chat: true,
    call: async (c, text, system) =>
      drain(await c.responses.create({ model: MODEL, instructions: system, input: text, stream: true })),
  },
  {
    name: 'embeddings',
    stream: false,
    chat: false,
    call: (c, text) => c.embeddings.create({ model: 'text-embedding-3-small', input: text }),
  },
];

/** The OpenAI package as the provider contract suite sees it: Chat Completions is its main API. */
export const openaiAdapter: ProviderAdapter = {
  name: 'openai',
  scope: PACKAGE_NAME,
  majors: MAJORS,
  load: (major) => loadMajor(major as Major),
  instrument: (mod, options) => instrument(mod, options),
  core: { Operation, PriceBook, endOpenOperations },
  stainless: true,
  client(mod, fake, apiKey) {
    const OpenAI = mod.OpenAI ?? mod.default;
    return new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0 });
  },
  body: ({ content = 'hi', system, model = MODEL, stream, extra }) => ({
    model,
    messages: [...(system === undefined ? [] : [{ role: 'system', content: system }]), { role: 'user', content }],
    ...(stream ? { stream: true } : {}),
    ...extra,
  }),
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
  // Chat Completions streams ask for usage (the caller never sees the extra chunk); a raw response gets
  // the caller's request. Responses streams report usage anyway.
  instrumentedBody: (plain, { path, raw }) =>
    raw || !path.endsWith('/chat/completions') || plain.stream !== true || plain.stream_options !== undefined
      ? plain
      : { ...plain, stream_options: { include_usage: true } },
  sentKey: (request) => String(request.headers.authorization).replace(/^Bearer /, ''),
};
