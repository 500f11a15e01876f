import { endOpenOperations, Operation, PriceBook } from '@promptscope/core/provider';
import { type ContractApi, drain, type ProviderAdapter } from '@promptscope/testing/contract';
import { instrument, PACKAGE_NAME } from '../src/index.js';
import { type Any, chunkJson, client, loadMajor, MAJORS, type Major, send } from './helpers.js';

export const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
export const NOVA = 'us.amazon.nova-lite-v1:0';
export const TITAN = 'amazon.titan-text-express-v1';

const converseInput = (text: string, system: string, model = CLAUDE) => ({
  modelId: model,
  system: [{ text: system }],
  messages: [{ role: 'user', content: [{ text }] }],
  inferenceConfig: { maxTokens: 256 },
});

export const anthropicBody = (text: string, system: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 256,
    system,
    messages: [{ role: 'user', content: text }],
    ...extra,
  });

export const novaBody = (text: string, system: string) =>
  JSON.stringify({
    schemaVersion: 'messages-v1',
    system: [{ text: system }],
    messages: [{ role: 'user', content: [{ text }] }],
    inferenceConfig: { maxTokens: 256 },
  });

export const invokeInput = (modelId: string, body: string) => ({
  modelId,
  contentType: 'application/json',
  accept: 'application/json',
  body,
});

/** The streamed output's events, read to the end (Converse `stream`; invoke `body`, chunks decoded). */
export async function drainOutput(output: Any): Promise<Any[]> {
  if (output.stream !== undefined) return drain(output.stream);
  return (await drain(output.body)).map((e: Any) => (e.chunk === undefined ? e : { chunk: chunkJson(e) }));
}

/** An invoke output as a caller reads it: the body bytes parsed as JSON (the SDK leaves them raw). */
export async function invokeOutput(p: Promise<Any>): Promise<Any> {
  const output = await p;
  return { ...output, body: JSON.parse(output.body.transformToString()) };
}

/**
 * Every command × body shape the contract suite checks. Titan Text is left out here: it has no system
 * prompt or tool calls, which the privacy checks script; bedrock.test.ts covers it.
 */
export const bedrockApis: ContractApi[] = [
  {
    name: 'converse',
    stream: false,
    chat: true,
    call: (c, text, system) => send(c, 'ConverseCommand', converseInput(text, system)),
  },
  {
    name: 'converse stream',
    stream: true,
    chat: true,
    call: async (c, text, system) => drainOutput(await send(c, 'ConverseStreamCommand', converseInput(text, system))),
  },
  {
    name: 'invoke anthropic',
    stream: false,
    chat: true,
    rawBody: true,
    call: (c, text, system) =>
      invokeOutput(send(c, 'InvokeModelCommand', invokeInput(CLAUDE, anthropicBody(text, system)))),
  },
  {
    name: 'invoke stream anthropic',
    stream: true,
    chat: true,
    call: async (c, text, system) =>
      drainOutput(
        await send(c, 'InvokeModelWithResponseStreamCommand', invokeInput(CLAUDE, anthropicBody(text, system))),
      ),
  },
  {
    name: 'invoke nova',
    stream: false,
    chat: true,
    rawBody: true,
    call: (c, text, system) => invokeOutput(send(c, 'InvokeModelCommand', invokeInput(NOVA, novaBody(text, system)))),
  },
  {
    name: 'invoke stream nova',
    stream: true,
    chat: true,
    call: async (c, text, system) =>
      drainOutput(await send(c, 'InvokeModelWithResponseStreamCommand', invokeInput(NOVA, novaBody(text, system)))),
  },
];

/** The Bedrock Runtime package as the provider contract suite sees it: Converse is its main API. */
export const bedrockAdapter: ProviderAdapter = {
  name: 'bedrock',
  scope: PACKAGE_NAME,
  majors: MAJORS,
  load: (major) => loadMajor(major as Major),
  instrument: (mod, options) => instrument(mod, options),
  core: { Operation, PriceBook, endOpenOperations },
  stainless: false,
  // The SDK's HTTP handler rejects with a plain Error named AbortError.
  abortErrorClass: 'Error',
  // A consumed event stream is a spent generator: a second loop just ends.
  secondIteration: 'nothing',
  // The API key of the suite is the access key id: SigV4 sends only that, in the authorization header.
  client: (mod, fake, apiKey) => client(mod, fake, apiKey),
  body: ({ content = 'hi', system, model = CLAUDE, stream, extra }) => ({
    modelId: model,
    messages: [{ role: 'user', content: typeof content === 'string' ? [{ text: content }] : content }],
    ...(system === undefined ? {} : { system: [{ text: system }] }),
    inferenceConfig: { maxTokens: 64 },
    ...(stream ? { stream: true } : {}),
    ...extra,
  }),
  // The stream flag picks the command; the caller gets the SDK's output (its event stream when streamed).
  create(c, body, options) {
    const { stream, ...input } = body;
    const p = send(
      c,
      stream ? 'ConverseStreamCommand' : 'ConverseCommand',
      input,
      options?.signal ? { abortSignal: options.signal } : undefined,
    );
    return stream ? p.then((output: Any) => output.stream) : p;
  },
  textPart: (text) => ({ text }),
  imagePart: (data, mime) => ({
    image: { format: mime.split('/')[1], source: { bytes: Buffer.from(data, 'base64') } },
  }),
  apis: bedrockApis,
  // 3.600 has no ServiceUnavailableException class (its 503 is the service's base exception, named so).
  httpErrors: [
    { fault: 'rate_limit', status: 429, errorClass: 'ThrottlingException' },
    { fault: 'server_error', status: 500, errorClass: 'InternalServerException' },
    { fault: 'unavailable', status: 503 },
  ],
  isOutputChunk: (event) => event?.contentBlockDelta !== undefined,
  // SigV4: `Credential=<access key id>/<date>/<region>/bedrock/aws4_request`.
  sentKey: ({ headers }) => /Credential=([^/]+)\//.exec(String(headers.authorization))?.[1],
};
