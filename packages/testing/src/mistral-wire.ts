import { embeddingFor } from './embedding-vectors.js';
import { randomAlnum, randomHex, unixSeconds } from './ids.js';
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
import { formatFrame, type SseFrame } from './sse.js';

/*
 * Mistral's La Plateforme wire (api.mistral.ai, SDK `serverURL: provider.origin`). Its paths are OpenAI's,
 * so it is not among the default wires: tests that speak Mistral start the fake with `[mistralWire]`.
 * Differences from OpenAI that SDK parsers and instrumentations see: usage rides on the chunk that carries
 * the finish reason (no `stream_options`), a tool call arrives whole in one delta, tool call ids are nine
 * alphanumerics, errors are `{"object":"error","message":…,"type":…,"param":…,"code":…}` except the
 * gateway's 429 and 404, which are bare `{"message":…}` / `{"detail":…}` bodies.
 */

const DONE = 'data: [DONE]\n\n';

function modelFor(ctx: RouteContext, fallback: string): string {
  return ctx.script.model ?? ctx.body?.model ?? fallback;
}

function requireObjectBody(ctx: RouteContext): void {
  if (ctx.body === null || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) {
    throw new WireRequestError('Invalid JSON body');
  }
}

function usageOf(u: ResolvedUsage, completion = true) {
  return {
    prompt_tokens: u.input,
    total_tokens: completion ? u.total : u.input,
    completion_tokens: completion ? u.output : 0,
    // Only sent when the script asks for cached tokens, as the API reports them only when the cache was hit.
    ...(u.cached > 0 ? { prompt_tokens_details: { cached_tokens: u.cached } } : {}),
  };
}

function toolCallsOf(script: Script) {
  return (script.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? randomAlnum(9),
    function: { name: call.name, arguments: call.arguments },
    index,
  }));
}

function chatCompletion(ctx: RouteContext): WireReply {
  requireObjectBody(ctx);
  const { script, body } = ctx;
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new WireRequestError('Messages must not be empty', 400);
  }
  const id = script.id ?? randomHex(32);
  const created = unixSeconds();
  const model = modelFor(ctx, 'mistral-small-latest');
  const content = resolveContent(script);
  const finishReason = resolveFinishReason(script);
  const toolCalls = toolCallsOf(script);
  const usage = usageOf(resolveUsage(script));

  if (!body.stream) {
    return {
      type: 'json',
      body: {
        id,
        object: 'chat.completion',
        created,
        model,
        usage,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', tool_calls: toolCalls.length ? toolCalls : null, content: content ?? '' },
            finish_reason: finishReason,
          },
        ],
      },
    };
  }

  const chunk = (delta: Record<string, unknown>, finish: string | null, isContent: boolean): SseFrame => ({
    data: {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    },
    content: isContent,
  });
  const frames: SseFrame[] = [chunk({ role: 'assistant', content: '' }, null, false)];
  const pieces = content === null ? [] : splitEvenly(content, Math.max(1, script.chunks ?? DEFAULT_CHUNKS));
  for (const piece of pieces) frames.push(chunk({ content: piece }, null, true));
  if (toolCalls.length) frames.push(chunk({ tool_calls: toolCalls }, null, true));
  // The last output chunk carries the finish reason and the usage; with no output, a chunk of its own does.
  if (frames.length === 1) frames.push(chunk({ content: '' }, null, false));
  const last = frames[frames.length - 1];
  const data = last.data as { choices: { finish_reason: string | null }[]; usage?: unknown };
  data.choices[0].finish_reason = finishReason;
  data.usage = usage;
  return { type: 'sse', frames, terminator: DONE };
}

function embeddings(ctx: RouteContext): WireReply {
  requireObjectBody(ctx);
  const { body, script } = ctx;
  const input = body.input;
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0)) {
    throw new WireRequestError('Input must not be empty', 400);
  }
  const inputs: unknown[] = Array.isArray(input) ? input : [input];
  const dimensions = script.embeddingDimensions ?? body.output_dimension ?? DEFAULT_EMBEDDING_DIMENSIONS;
  return {
    type: 'json',
    body: {
      id: script.id ?? randomHex(32),
      object: 'list',
      data: inputs.map((item, index) => ({
        object: 'embedding',
        embedding: script.embeddings?.[index] ?? embeddingFor(item, dimensions),
        index,
      })),
      model: modelFor(ctx, 'mistral-embed'),
      usage: usageOf(resolveUsage(script), false),
    },
  };
}

/** Mistral's error envelope; `message` may be a string or, for validation errors, an object. */
export function mistralError(message: unknown, type: string, code: string | null = null) {
  return { object: 'error', message, type, param: null, code };
}

function errorBody(kind: ErrorKind, status: number, message?: string): unknown {
  switch (kind) {
    case 'rate_limit':
      // The API gateway answers rate limits itself, without the envelope.
      return { message: message ?? 'Requests rate limit exceeded' };
    case 'not_found':
      return { detail: message ?? 'Not Found' };
    case 'server_error':
      return mistralError(message ?? 'Internal server error', 'internal_server_error', '3000');
    case 'unavailable':
    case 'overloaded':
      return mistralError(message ?? 'Service unavailable.', 'service_unavailable', '3505');
    case 'bad_request':
      return mistralError(message ?? 'Invalid request', 'invalid_request_error', '3001');
    default:
      return mistralError(
        message ?? `Scripted HTTP ${status} from the fake provider`,
        status >= 500 ? 'internal_server_error' : 'invalid_request_error',
      );
  }
}

export const mistralWire: WireFormat = {
  name: 'mistral',
  routes: [
    { method: 'POST', pattern: /^\/v1\/chat\/completions$/, handle: chatCompletion },
    { method: 'POST', pattern: /^\/v1\/embeddings$/, handle: embeddings },
  ],
  errorBody,
  responseHeaders: () => ({
    'mistral-correlation-id': `${randomHex(8)}-${randomHex(4)}-${randomHex(4)}-${randomHex(4)}-${randomHex(12)}`,
    'x-kong-request-id': randomHex(30),
  }),
  // A failure after the stream started is sent as an error envelope on a `data:` line, then the stream ends.
  streamErrorFrame: (body) =>
    formatFrame({ data: body ?? mistralError('Service unavailable.', 'service_unavailable', '3505') }),
};
