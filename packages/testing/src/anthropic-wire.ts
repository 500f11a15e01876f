import { randomBytes } from 'node:crypto';
import { randomAlnum } from './ids.js';
import {
  DEFAULT_CHUNKS,
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
 * Anthropic Messages wire format, modelled on recorded api.anthropic.com traffic: field names and
 * order, named SSE events (`event: X` + `data: {"type":"X",…}`), the whitespace the real service pads
 * its SSE JSON with, the unpadded `{"type": "ping"}` frame, and errors as
 * `{"type":"error","error":{"type":…,"message":…}}`.
 *
 * Usage mapping (see ScriptedUsage): `input` → input_tokens (uncached input only), `cached` →
 * cache_read_input_tokens, `cacheWrite` → cache_creation_input_tokens, `output` → output_tokens.
 */

const DEFAULT_MODEL = 'claude-sonnet-4-5';

/** Spaces the real service inserts before the closing brace of SSE data JSON (varies per frame). */
const PADDING = [9, 10, 14, 1, 5, 14, 12, 2, 0, 7, 13, 3];

interface ToolUseOut {
  id: string;
  name: string;
  arguments: string;
  input: unknown;
}

function modelFor(ctx: RouteContext): string {
  return ctx.script.model ?? (typeof ctx.body?.model === 'string' ? ctx.body.model : DEFAULT_MODEL);
}

function validateMessagesBody(ctx: RouteContext): void {
  const body = ctx.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new WireRequestError('There was an issue with your request body: expected a JSON object.');
  }
  for (const field of ['model', 'max_tokens', 'messages']) {
    if (body[field] === undefined) throw new WireRequestError(`${field}: Field required`);
  }
  if (!Array.isArray(body.messages)) throw new WireRequestError('messages: Input should be a valid list');
}

function toolUsesOf(script: Script): ToolUseOut[] {
  return (script.toolCalls ?? []).map((call, i) => {
    let input: unknown;
    try {
      input = JSON.parse(call.arguments);
    } catch (err) {
      throw new Error(`script.toolCalls[${i}].arguments must be a JSON object text: ${(err as Error).message}`);
    }
    return { id: call.id ?? `toolu_01${randomAlnum(22)}`, name: call.name, arguments: call.arguments, input };
  });
}

/** Maps the script's (OpenAI-style by default) finish reason onto Anthropic's stop_reason. */
function anthropicStopReason(script: Script): string {
  const reason = resolveFinishReason(script);
  switch (reason) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    default:
      return reason;
  }
}

function stopSequence(ctx: RouteContext, stopReason: string): string | null {
  if (stopReason !== 'stop_sequence') return null;
  const sequences = ctx.body?.stop_sequences;
  return Array.isArray(sequences) && typeof sequences[0] === 'string' ? sequences[0] : null;
}

function usageOf(u: ResolvedUsage, outputTokens: number) {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cached,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function chunkCount(script: Script): number {
  return Math.max(1, script.chunks ?? DEFAULT_CHUNKS);
}

function fakeSignature(): string {
  return randomBytes(192).toString('base64');
}

function messages(ctx: RouteContext): WireReply {
  validateMessagesBody(ctx);
  const { script } = ctx;
  const id = script.id ?? `msg_01${randomAlnum(22)}`;
  const model = modelFor(ctx);
  const text = resolveContent(script);
  const thinking = script.thinking;
  const signature = thinking === undefined ? '' : fakeSignature();
  const toolUses = toolUsesOf(script);
  const usage = resolveUsage(script);
  const stopReason = anthropicStopReason(script);
  const stop_sequence = stopSequence(ctx, stopReason);

  if (!ctx.body.stream) {
    const content: unknown[] = [];
    if (thinking !== undefined) content.push({ type: 'thinking', thinking, signature });
    if (text !== null) content.push({ type: 'text', text });
    for (const t of toolUses) content.push({ type: 'tool_use', id: t.id, name: t.name, input: t.input });
    return {
      type: 'json',
      body: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stopReason,
        stop_sequence,
        usage: usageOf(usage, usage.output),
      },
    };
  }

  const frames: SseFrame[] = [];
  // Everything before the first delta goes out at once; firstChunkDelayMs is spent before that delta.
  let sawDelta = false;
  const emit = (type: string, fields: Record<string, unknown>, content = false): void => {
    if (content) sawDelta = true;
    const data = { type, ...fields };
    const json = JSON.stringify(data);
    const pad = ' '.repeat(PADDING[frames.length % PADDING.length]);
    frames.push({ event: type, data, dataText: `${json.slice(0, -1)}${pad}}`, content, immediate: !sawDelta });
  };

  emit('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usageOf(usage, 1),
    },
  });

  let index = 0;
  const startBlock = (block: unknown): number => {
    const blockIndex = index++;
    emit('content_block_start', { index: blockIndex, content_block: block });
    if (blockIndex === 0) {
      // The real service pings once, right after the first block starts, with unpadded spaced JSON.
      frames.push({ event: 'ping', data: { type: 'ping' }, dataText: '{"type": "ping"}', immediate: !sawDelta });
    }
    return blockIndex;
  };

  if (thinking !== undefined) {
    const i = startBlock({ type: 'thinking', thinking: '', signature: '' });
    for (const piece of splitEvenly(thinking, chunkCount(script))) {
      emit('content_block_delta', { index: i, delta: { type: 'thinking_delta', thinking: piece } }, true);
    }
    emit('content_block_delta', { index: i, delta: { type: 'signature_delta', signature } });
    emit('content_block_stop', { index: i });
  }
  if (text !== null) {
    const i = startBlock({ type: 'text', text: '' });
    for (const piece of splitEvenly(text, chunkCount(script))) {
      emit('content_block_delta', { index: i, delta: { type: 'text_delta', text: piece } }, true);
    }
    emit('content_block_stop', { index: i });
  }
  for (const t of toolUses) {
    const i = startBlock({ type: 'tool_use', id: t.id, name: t.name, input: {} });
    for (const piece of splitEvenly(t.arguments, chunkCount(script))) {
      emit('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: piece } }, true);
    }
    emit('content_block_stop', { index: i });
  }
  emit('message_delta', { delta: { stop_reason: stopReason, stop_sequence }, usage: { output_tokens: usage.output } });
  emit('message_stop', {});
  return { type: 'sse', frames };
}

/**
 * The Messages API's answer (a message JSON, or its SSE events when `body.stream`) for a body that names
 * its model: for wires that carry Claude in another envelope (Bedrock's invoke routes).
 */
export const anthropicMessagesReply: (ctx: RouteContext) => WireReply = messages;

/**
 * Claude on Vertex AI (`rawPredict` / `streamRawPredict`): the Messages body without `model`, which is in
 * the path, and with `anthropic_version` (e.g. `vertex-2023-10-16`); the answer is the Messages API's.
 */
function vertexMessages(ctx: RouteContext): WireReply {
  const body = ctx.body;
  // Anything but an object is left to the Messages handler, which answers it in Anthropic's dialect.
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return messages(ctx);
  if (body.model !== undefined) throw new WireRequestError('model: Extra inputs are not permitted');
  if (typeof body.anthropic_version !== 'string') throw new WireRequestError('anthropic_version: Field required');
  return messages({ ...ctx, body: { ...body, model: decodeURIComponent(ctx.params.model) } });
}

function countTokens(ctx: RouteContext): WireReply {
  const body = ctx.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new WireRequestError('There was an issue with your request body: expected a JSON object.');
  }
  return { type: 'json', body: { input_tokens: resolveUsage(ctx.script).input } };
}

// ---------------------------------------------------------------- errors and headers

const ERROR_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

function errorBody(kind: ErrorKind, status: number, message?: string): unknown {
  const error = (type: string, msg: string) => ({ type: 'error', error: { type, message: message ?? msg } });
  switch (kind) {
    case 'rate_limit':
      return error('rate_limit_error', 'Number of requests has exceeded your rate limit (fake provider).');
    case 'server_error':
      return error('api_error', 'Internal server error');
    case 'unavailable':
      return error('api_error', 'Service unavailable');
    case 'overloaded':
      return error('overloaded_error', 'Overloaded');
    case 'not_found':
      return error('not_found_error', 'Not found');
    case 'bad_request':
      return error('invalid_request_error', 'Invalid request');
    default:
      return error(
        ERROR_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
        `Scripted HTTP ${status} from the fake provider`,
      );
  }
}

export const anthropicWire: WireFormat = {
  name: 'anthropic',
  routes: [
    // `client.beta.messages.*` posts to the same paths with `?beta=true` and an `anthropic-beta` header.
    { method: 'POST', pattern: /^\/v1\/messages$/, handle: messages },
    { method: 'POST', pattern: /^\/v1\/messages\/count_tokens$/, handle: countTokens },
    // Vertex AI (SDK `baseURL: provider.url`): the model and the streaming choice are in the path.
    {
      method: 'POST',
      pattern:
        /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/(?<model>[^/:]+):(?:rawPredict|streamRawPredict)$/,
      handle: vertexMessages,
    },
  ],
  errorBody,
  responseHeaders: () => ({ 'request-id': `req_011C${randomAlnum(20)}` }),
  streamErrorFrame: (body) =>
    `event: error\ndata: ${
      body === undefined
        ? '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'
        : JSON.stringify(body)
    }\n\n`,
  // The SDK ignores event-less frames, so the broken frame must carry an event the SDK parses.
  malformedSseFrame: 'event: content_block_delta\ndata: {not json\n\n',
};
