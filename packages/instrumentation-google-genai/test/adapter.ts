import { endOpenOperations, Operation, PriceBook } from '@promptscope/core/provider';
import { type ContractApi, drain, type ProviderAdapter } from '@promptscope/testing/contract';
import { instrument, PACKAGE_NAME } from '../src/index.js';
import { type Any, loadMajor, MAJORS, MODEL } from './helpers.js';

const request = (text: string, system: string) => ({
  model: MODEL,
  contents: text,
  config: { systemInstruction: system, maxOutputTokens: 256 },
});

/** Every API the package instruments: generateContent plain and streamed, chats, embedContent. */
export const geminiApis: ContractApi[] = [
  {
    name: 'models.generateContent',
    stream: false,
    chat: true,
    call: (c, text, system) => c.models.generateContent(request(text, system)),
  },
  {
    name: 'models.generateContentStream',
    stream: true,
    chat: true,
    call: async (c, text, system) => drain(await c.models.generateContentStream(request(text, system))),
  },
  {
    name: 'chats sendMessage',
    stream: false,
    chat: true,
    call: (c, text, system) =>
      c.chats.create({ model: MODEL, config: { systemInstruction: system } }).sendMessage({ message: text }),
  },
  {
    name: 'chats sendMessageStream',
    stream: true,
    chat: true,
    call: async (c, text, system) =>
      drain(
        await c.chats
          .create({ model: MODEL, config: { systemInstruction: system } })
          .sendMessageStream({ message: text }),
      ),
  },
  {
    name: 'models.embedContent',
    stream: false,
    chat: false,
    call: (c, text) => c.models.embedContent({ model: 'gemini-embedding-001', contents: text }),
  },
];

/** The package as the provider contract suite sees it: `models.generateContent[Stream]` is its main API. */
export const geminiAdapter: ProviderAdapter = {
  name: 'gemini',
  scope: PACKAGE_NAME,
  majors: MAJORS,
  load: (major) => loadMajor(major),
  instrument: (mod, options) => instrument(mod, options),
  core: { Operation, PriceBook, endOpenOperations },
  stainless: false,
  client(mod, fake, apiKey) {
    return new mod.GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.origin } });
  },
  // The suite's `stream` flag chooses the method; it is not a Gemini request field, so `create` takes it out.
  body: ({ content = 'hi', system, model = MODEL, stream, extra }) => ({
    model,
    contents: [{ role: 'user', parts: typeof content === 'string' ? [{ text: content }] : content }],
    config: { maxOutputTokens: 64, ...(system === undefined ? {} : { systemInstruction: system }), ...extra },
    ...(stream ? { stream: true } : {}),
  }),
  create(client, body, options) {
    const { stream, ...params } = body as Any;
    if (options?.signal !== undefined) params.config = { ...params.config, abortSignal: options.signal };
    return stream ? client.models.generateContentStream(params) : client.models.generateContent(params);
  },
  textPart: (text) => ({ text }),
  imagePart: (data, mime) => ({ inlineData: { mimeType: mime, data } }),
  apis: geminiApis,
  // The SDK has one error class for every HTTP status.
  httpErrors: [
    { fault: 'rate_limit', status: 429, errorClass: 'ApiError' },
    { fault: 'server_error', status: 500, errorClass: 'ApiError' },
    { fault: 'unavailable', status: 503, errorClass: 'ApiError' },
  ],
  isOutputChunk: (chunk) => (chunk?.candidates?.[0]?.content?.parts?.length ?? 0) > 0,
  sentKey: ({ headers }) => headers['x-goog-api-key'] as string | undefined,
  // The caller's abort reaches `fetch`, which rejects with the DOMException it raises.
  abortErrorClass: 'DOMException',
  // A stream is an async generator: iterated again, it is simply done.
  secondIteration: 'nothing',
  // 1.x yields Gemini's in-stream `data: {"error":…}` event as an empty chunk (see gemini.test.ts).
  streamErrorMajors: ['genai-v2', 'genai-v3'],
};
