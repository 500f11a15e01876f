import { embeddingFor } from './embedding-vectors.js';
import { randomAlnum } from './ids.js';
import {
  DEFAULT_CHUNKS,
  DEFAULT_EMBEDDING_DIMENSIONS,
  type ResolvedUsage,
  resolveContent,
  resolveFinishReason,
  resolveUsage,
  type Script,
  splitEvenly,
} from './script.js';
import { type ErrorKind, type RouteContext, type WireFormat, type WireReply, WireRequestError } from './server.js';
import type { SseFrame } from './sse.js';

/*
 * Google's Gemini REST wire, as `@google/genai` speaks it (SDK `httpOptions: { baseUrl: provider.origin }`):
 * the Gemini API's `POST /{v1beta,v1}/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:embedContent` and `:batchEmbedContents` (what the SDK's `embedContent` posts), and the same methods on
 * Vertex AI's `/{v1,v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{model}` paths, plus
 * Vertex's `:predict` for the text-embedding models. Streams are SSE `data:` frames separated by CRLF CRLF,
 * as the real service sends them, each a whole GenerateContentResponse. Errors are Google's
 * `{"error":{"code":429,"message":…,"status":"RESOURCE_EXHAUSTED"}}`; an in-stream error is that object as
 * a `data:` event (2.x and 3.x raise it as an ApiError; 1.x yields it as an empty chunk and ends quietly).
 *
 * Usage mapping (see ScriptedUsage): `input` → promptTokenCount, which INCLUDES `cached` →
 * cachedContentTokenCount; `output` → candidatesTokenCount; `reasoning` → thoughtsTokenCount, which is NOT
 * part of candidatesTokenCount (totalTokenCount = input + output + reasoning). Intermediate stream frames
 * carry the prompt count only; the last one carries every count.
 *
 * Finish reasons: the script's 'stop' → STOP, 'length' → MAX_TOKENS, 'tool_calls' → STOP (Gemini ends a
 * function call turn with STOP), 'content_filter' → SAFETY; anything else passes through (e.g. 'RECITATION').
 * `finishReason: 'blocked:<REASON>'` answers a prompt blocked before generation: no candidates, and
 * `promptFeedback.blockReason` = REASON (e.g. 'blocked:SAFETY').
 */

const DEFAULT_MODEL = 'gemini-2.5-flash';
const BLOCKED = 'blocked:';

type Obj = Record<string, unknown>;

function modelFor(ctx: RouteContext): string {
  return ctx.script.model ?? decodeURIComponent(ctx.params.model ?? DEFAULT_MODEL);
}

function requireObjectBody(ctx: RouteContext): Obj {
  const body = ctx.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new WireRequestError('Invalid JSON payload received. Expected an object.');
  }
  return body as Obj;
}

function geminiFinishReason(script: Script): string {
  const reason = resolveFinishReason(script);
  switch (reason) {
    case 'stop':
    case 'tool_calls':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    default:
      return reason;
  }
}

function usageOf(u: ResolvedUsage, final: boolean): Obj {
  if (!final) {
    return {
      promptTokenCount: u.input,
      totalTokenCount: u.input,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.input }],
    };
  }
  return {
    promptTokenCount: u.input,
    candidatesTokenCount: u.output,
    totalTokenCount: u.input + u.output + u.reasoning,
    ...(u.cached > 0 ? { cachedContentTokenCount: u.cached } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.input }],
    ...(u.cached > 0 ? { cacheTokensDetails: [{ modality: 'TEXT', tokenCount: u.cached }] } : {}),
    ...(u.reasoning > 0 ? { thoughtsTokenCount: u.reasoning } : {}),
  };
}

function functionCallsOf(script: Script): Obj[] {
  return (script.toolCalls ?? []).map((call, i) => {
    let args: unknown;
    try {
      args = JSON.parse(call.arguments);
    } catch (err) {
      throw new Error(`script.toolCalls[${i}].arguments must be a JSON object text: ${(err as Error).message}`);
    }
    return { functionCall: { ...(call.id === undefined ? {} : { id: call.id }), name: call.name, args } };
  });
}

/** Google's response ids: 22 or 23 base64url-ish characters. */
const responseIdOf = (script: Script) => script.id ?? randomAlnum(23);

function generate(stream: boolean) {
  return (ctx: RouteContext): WireReply => {
    const body = requireObjectBody(ctx);
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      throw new WireRequestError('* GenerateContentRequest.contents: contents is not specified\n');
    }
    const { script } = ctx;
    const modelVersion = modelFor(ctx);
    const responseId = responseIdOf(script);
    const usage = resolveUsage(script);
    const reason = geminiFinishReason(script);

    if (reason.startsWith(BLOCKED)) {
      const blocked = {
        promptFeedback: { blockReason: reason.slice(BLOCKED.length) },
        usageMetadata: { promptTokenCount: usage.input, totalTokenCount: usage.input },
        modelVersion,
        responseId,
      };
      if (!stream) return { type: 'json', body: blocked };
      return { type: 'sse', frames: [{ data: blocked, content: false }] };
    }

    const text = resolveContent(script);
    const calls = functionCallsOf(script);
    if (!stream) {
      const parts: Obj[] = [];
      if (text !== null) parts.push({ text });
      parts.push(...calls);
      return {
        type: 'json',
        body: {
          candidates: [{ content: { parts, role: 'model' }, finishReason: reason, index: 0 }],
          usageMetadata: usageOf(usage, true),
          modelVersion,
          responseId,
        },
      };
    }

    // One frame per text piece; function calls arrive whole, each in a frame of its own.
    const pieces: Obj[][] = [];
    if (text !== null) for (const piece of splitEvenly(text, chunkCount(script))) pieces.push([{ text: piece }]);
    for (const call of calls) pieces.push([call]);
    if (pieces.length === 0) pieces.push([{ text: '' }]);
    const frames: SseFrame[] = pieces.map((parts, i) => {
      const last = i === pieces.length - 1;
      return {
        data: {
          candidates: [{ content: { parts, role: 'model' }, ...(last ? { finishReason: reason } : {}), index: 0 }],
          usageMetadata: usageOf(usage, last),
          modelVersion,
          responseId,
        },
        content: true,
      };
    });
    return { type: 'sse', frames };
  };
}

function chunkCount(script: Script): number {
  return Math.max(1, script.chunks ?? DEFAULT_CHUNKS);
}

/** The text of a Content (`{parts:[{text}]}`), what the embedding is made from. */
function textOf(content: unknown): string {
  const parts = (content as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parts)) return JSON.stringify(content ?? null);
  return parts.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
}

function vectorFor(script: Script, input: string, index: number, requested: unknown): number[] {
  const scripted = script.embeddings?.[index];
  if (scripted !== undefined) return scripted;
  const dims = script.embeddingDimensions ?? (typeof requested === 'number' ? requested : DEFAULT_EMBEDDING_DIMENSIONS);
  return embeddingFor(input, dims);
}

function embedContent(ctx: RouteContext): WireReply {
  const body = requireObjectBody(ctx);
  if (body.content === undefined)
    throw new WireRequestError('* EmbedContentRequest.content: content is not specified\n');
  const values = vectorFor(ctx.script, textOf(body.content), 0, body.outputDimensionality);
  return { type: 'json', body: { embedding: { values } } };
}

function batchEmbedContents(ctx: RouteContext): WireReply {
  const body = requireObjectBody(ctx);
  if (!Array.isArray(body.requests) || body.requests.length === 0) {
    throw new WireRequestError('* BatchEmbedContentsRequest.requests: requests is not specified\n');
  }
  const embeddings = body.requests.map((r: Obj, i: number) => ({
    values: vectorFor(ctx.script, textOf(r?.content), i, r?.outputDimensionality),
  }));
  return { type: 'json', body: { embeddings } };
}

/** Vertex AI's text-embedding models: `instances` in, `predictions` with token statistics out. */
function predict(ctx: RouteContext): WireReply {
  const body = requireObjectBody(ctx);
  if (!Array.isArray(body.instances) || body.instances.length === 0) {
    throw new WireRequestError('instances is empty');
  }
  const usage = resolveUsage(ctx.script);
  const n = body.instances.length;
  const dims = (body.parameters as Obj | undefined)?.outputDimensionality;
  const predictions = body.instances.map((inst: Obj, i: number) => {
    const text = typeof inst?.content === 'string' ? inst.content : JSON.stringify(inst);
    // The script's input tokens spread over the instances, the remainder on the first.
    const tokens = Math.floor(usage.input / n) + (i === 0 ? usage.input % n : 0);
    return {
      embeddings: {
        values: vectorFor(ctx.script, text, i, dims),
        statistics: { token_count: tokens, truncated: false },
      },
    };
  });
  return { type: 'json', body: { predictions, metadata: { billableCharacterCount: usage.input * 4 } } };
}

// ---------------------------------------------------------------- errors

const STATUS_BY_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function errorBody(kind: ErrorKind, status: number, message?: string): unknown {
  const error = (msg: string) => ({
    error: {
      code: status,
      message: message ?? msg,
      status: STATUS_BY_CODE[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'FAILED_PRECONDITION'),
    },
  });
  switch (kind) {
    case 'rate_limit':
      return error('Resource has been exhausted (e.g. check quota).');
    case 'server_error':
      return error(
        'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
      );
    case 'unavailable':
    case 'overloaded':
      return error('The model is overloaded. Please try again later.');
    case 'not_found':
      return error('Requested entity was not found.');
    case 'bad_request':
      return error('Request contains an invalid argument.');
    default:
      return error(`Scripted HTTP ${status} from the fake provider`);
  }
}

const MODEL = '(?<model>[^/:]+)';
// 1.x and 2.x default to v1beta, 3.x to v1; the `:method` suffix keeps these apart from OpenAI's `/v1/...`.
const GEMINI = `^/v1(?:beta)?/(?:models|tunedModels)/${MODEL}`;
// With a project and location, or in express mode (an API key, no project): the path has no project.
const VERTEX = `^/v1(?:beta1)?/(?:projects/[^/]+/locations/[^/]+/)?publishers/google/models/${MODEL}`;
const route = (prefix: string, method: string, handle: (ctx: RouteContext) => WireReply) => ({
  method: 'POST',
  pattern: new RegExp(`${prefix}:${method}$`),
  handle,
});

export const geminiWire: WireFormat = {
  name: 'gemini',
  routes: [GEMINI, VERTEX].flatMap((prefix) => [
    route(prefix, 'generateContent', generate(false)),
    route(prefix, 'streamGenerateContent', generate(true)),
    route(prefix, 'embedContent', embedContent),
    route(prefix, 'batchEmbedContents', batchEmbedContents),
    route(prefix, 'predict', predict),
  ]),
  errorBody,
  // The SDK copies the response headers into every result (`sdkHttpResponse.headers`): a fixed `date` keeps
  // results of the same scenario equal when the two runs straddle a second.
  responseHeaders: () => ({
    date: 'Thu, 01 Jan 2026 00:00:00 GMT',
    vary: 'Origin, X-Origin, Referer',
    'server-timing': 'gfet4t7; dur=312',
  }),
  stream: {
    contentType: 'text/event-stream',
    encode: (frame) => Buffer.from(`data: ${frame.dataText ?? JSON.stringify(frame.data)}\r\n\r\n`),
  },
  streamErrorFrame: (body) =>
    `data: ${JSON.stringify(body ?? { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } })}\r\n\r\n`,
  malformedSseFrame: 'data: {not json\r\n\r\n',
};
