import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { anthropicMessagesReply } from './anthropic-wire.js';
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
import type { ErrorKind, RouteContext, WireFormat, WireReply } from './server.js';
import type { SseFrame } from './sse.js';

/*
 * Amazon Bedrock Runtime (`@aws-sdk/client-bedrock-runtime`, endpoint = the fake's origin):
 * `POST /model/{modelId}/converse|converse-stream|invoke|invoke-with-response-stream`, the model id
 * URL-encoded in the path. Streams are AWS event-stream binary messages (`:event-type`,
 * `:message-type`, `:content-type` headers, JSON payloads), encoded with the Smithy codec the SDK decodes
 * with. Errors are `{"message": …}` with the exception's name in `x-amzn-errortype`.
 *
 * Usage (ScriptedUsage) is counted as Anthropic counts it: `input` excludes cache reads (`cached`) and
 * writes (`cacheWrite`); Converse's `totalTokens` is the sum of all four.
 *
 * Invoke bodies are told apart by shape: `anthropic_version` → the Anthropic Messages API (answered by
 * the Anthropic wire's own message and events), `inputText` → Amazon Titan Text, `messages` → Amazon Nova.
 */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function str(value: string): { type: 'string'; value: string } {
  return { type: 'string', value };
}

function encodeMessage(headers: MessageHeaders, payload: unknown): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/** One frame: `event` is the event type (`contentBlockDelta`, `chunk`, …), `data` its JSON payload. */
function encode(frame: SseFrame): Uint8Array {
  return encodeMessage(
    {
      ':event-type': str(frame.event ?? 'chunk'),
      ':content-type': str('application/json'),
      ':message-type': str('event'),
    },
    frame.data,
  );
}

/** An in-stream exception as Bedrock sends one: a message of type `exception`. */
function streamErrorFrame(body?: unknown): Uint8Array {
  return encodeMessage(
    {
      ':exception-type': str('modelStreamErrorException'),
      ':content-type': str('application/json'),
      ':message-type': str('exception'),
    },
    body ?? {
      message: 'The model stream failed (fake provider).',
      originalStatusCode: 500,
      originalMessage: 'Model stream error',
    },
  );
}

/**
 * Event messages, correctly framed, whose JSON payload is cut off: the SDK's parser throws a SyntaxError.
 * One for each stream kind: a Converse stream skips the unknown `chunk` event, an invoke stream fails on it.
 */
function malformedFrame(): Uint8Array {
  const broken = (event: string) =>
    codec.encode({
      headers: {
        ':event-type': str(event),
        ':content-type': str('application/json'),
        ':message-type': str('event'),
      },
      body: fromUtf8('{not json'),
    });
  return Buffer.concat([broken('chunk'), broken('contentBlockDelta')]);
}

function chunkCount(script: Script): number {
  return Math.max(1, script.chunks ?? DEFAULT_CHUNKS);
}

function modelOf(ctx: RouteContext): string {
  return ctx.script.model ?? decodeURIComponent(ctx.params.modelId);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function validation(message: string): WireReply {
  return { type: 'json', status: 400, body: { message } };
}

/** Converse and Nova stop reasons from the script's (OpenAI-style by default) finish reason. */
function stopReasonOf(script: Script): string {
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

function toolUses(script: Script): { toolUseId: string; name: string; arguments: string; input: unknown }[] {
  return (script.toolCalls ?? []).map((call) => ({
    toolUseId: call.id ?? `tooluse_${randomAlnum(22)}`,
    name: call.name,
    arguments: call.arguments,
    input: JSON.parse(call.arguments),
  }));
}

function converseUsage(u: ResolvedUsage): Record<string, number> {
  const usage: Record<string, number> = {
    inputTokens: u.input,
    outputTokens: u.output,
    totalTokens: u.input + u.output + u.cached + u.cacheWrite,
  };
  // Bedrock leaves the cache fields out when the request used no prompt cache.
  if (u.cached > 0 || u.cacheWrite > 0) {
    usage.cacheReadInputTokens = u.cached;
    usage.cacheWriteInputTokens = u.cacheWrite;
  }
  return usage;
}

function invocationMetrics(u: ResolvedUsage): Record<string, number> {
  return {
    inputTokenCount: u.input,
    outputTokenCount: u.output,
    invocationLatency: 321,
    firstByteLatency: 123,
    ...(u.cached > 0 || u.cacheWrite > 0
      ? { cacheReadInputTokenCount: u.cached, cacheWriteInputTokenCount: u.cacheWrite }
      : {}),
  };
}

/** Events of a Converse stream (also the payloads of a Nova invoke stream, one key each). */
function converseEvents(script: Script): { event: string; data: Record<string, unknown>; content?: boolean }[] {
  const text = resolveContent(script);
  const usage = resolveUsage(script);
  const events: { event: string; data: Record<string, unknown>; content?: boolean }[] = [];
  events.push({ event: 'messageStart', data: { role: 'assistant' } });
  let index = 0;
  if (text !== null) {
    const i = index++;
    for (const piece of splitEvenly(text, chunkCount(script))) {
      events.push({
        event: 'contentBlockDelta',
        data: { contentBlockIndex: i, delta: { text: piece } },
        content: true,
      });
    }
    events.push({ event: 'contentBlockStop', data: { contentBlockIndex: i } });
  }
  for (const t of toolUses(script)) {
    const i = index++;
    events.push({
      event: 'contentBlockStart',
      data: { contentBlockIndex: i, start: { toolUse: { toolUseId: t.toolUseId, name: t.name } } },
    });
    for (const piece of splitEvenly(t.arguments, chunkCount(script))) {
      events.push({
        event: 'contentBlockDelta',
        data: { contentBlockIndex: i, delta: { toolUse: { input: piece } } },
        content: true,
      });
    }
    events.push({ event: 'contentBlockStop', data: { contentBlockIndex: i } });
  }
  events.push({ event: 'messageStop', data: { stopReason: stopReasonOf(script) } });
  events.push({ event: 'metadata', data: { usage: converseUsage(usage), metrics: { latencyMs: 321 } } });
  return events;
}

/** Frames of a stream: everything before the first output delta is sent before `firstChunkDelayMs`. */
function framesOf(events: { event: string; data: unknown; content?: boolean }[]): SseFrame[] {
  let sawContent = false;
  return events.map((e) => {
    if (e.content) sawContent = true;
    return { event: e.event, data: e.data, content: e.content, immediate: !sawContent };
  });
}

/** A Converse (or Nova) message's content blocks: the text, then the tool calls. */
function converseContent(script: Script): unknown[] {
  const text = resolveContent(script);
  const content: unknown[] = [];
  if (text !== null) content.push({ text });
  for (const t of toolUses(script)) content.push({ toolUse: { toolUseId: t.toolUseId, name: t.name, input: t.input } });
  return content;
}

function converse(stream: boolean) {
  return (ctx: RouteContext): WireReply => {
    const body = ctx.body;
    if (!isObject(body)) return validation('Malformed input request, please reformat your input and try again.');
    if (!Array.isArray(body.messages)) return validation('A conversation must start with a user message.');
    const { script } = ctx;
    if (stream) return { type: 'sse', frames: framesOf(converseEvents(script)) };
    return {
      type: 'json',
      body: {
        metrics: { latencyMs: 321 },
        output: { message: { content: converseContent(script), role: 'assistant' } },
        stopReason: stopReasonOf(script),
        usage: converseUsage(resolveUsage(script)),
      },
    };
  };
}

// ---------------------------------------------------------------- invoke bodies

const b64 = (payload: unknown): string => Buffer.from(JSON.stringify(payload)).toString('base64');

/** Invoke-stream frames: each payload as Bedrock wraps it, `{"bytes": base64(JSON)}` in a `chunk` event. */
function chunkFrames(payloads: { data: unknown; content?: boolean }[]): SseFrame[] {
  return framesOf(payloads.map((p) => ({ event: 'chunk', data: { bytes: b64(p.data) }, content: p.content })));
}

function anthropicInvoke(ctx: RouteContext, stream: boolean): WireReply {
  const reply = anthropicMessagesReply({ ...ctx, body: { ...ctx.body, model: modelOf(ctx), stream } });
  if (reply.type !== 'sse') return reply;
  const usage = resolveUsage(ctx.script);
  const payloads = reply.frames.map((f) => {
    const data = f.data as Record<string, unknown>;
    // Bedrock appends its own metrics to the last event of every invoke stream.
    const last = data.type === 'message_stop';
    return {
      data: last ? { ...data, 'amazon-bedrock-invocationMetrics': invocationMetrics(usage) } : data,
      content: f.content,
    };
  });
  return { type: 'sse', frames: chunkFrames(payloads) };
}

function titanReason(script: Script): string {
  const reason = resolveFinishReason(script);
  return reason === 'stop' ? 'FINISH' : reason === 'length' ? 'LENGTH' : reason.toUpperCase();
}

function titanInvoke(ctx: RouteContext, stream: boolean): WireReply {
  const { script } = ctx;
  const text = resolveContent(script) ?? '';
  const usage = resolveUsage(script);
  if (!stream) {
    return {
      type: 'json',
      body: {
        inputTextTokenCount: usage.input,
        results: [{ tokenCount: usage.output, outputText: text, completionReason: titanReason(script) }],
      },
    };
  }
  const pieces = splitEvenly(text, chunkCount(script));
  const payloads = pieces.map((piece, i) => {
    const last = i === pieces.length - 1;
    return {
      content: true,
      data: {
        outputText: piece,
        index: 0,
        totalOutputTextTokenCount: last ? usage.output : Math.round((usage.output * (i + 1)) / pieces.length),
        completionReason: last ? titanReason(script) : null,
        ...(i === 0 ? { inputTextTokenCount: usage.input } : {}),
        ...(last ? { 'amazon-bedrock-invocationMetrics': invocationMetrics(usage) } : {}),
      },
    };
  });
  return { type: 'sse', frames: chunkFrames(payloads) };
}

function novaUsage(u: ResolvedUsage): Record<string, number> {
  return {
    inputTokens: u.input,
    outputTokens: u.output,
    totalTokens: u.input + u.output + u.cached + u.cacheWrite,
    cacheReadInputTokenCount: u.cached,
    cacheWriteInputTokenCount: u.cacheWrite,
  };
}

function novaInvoke(ctx: RouteContext, stream: boolean): WireReply {
  const { script } = ctx;
  const usage = resolveUsage(script);
  if (!stream) {
    return {
      type: 'json',
      body: {
        output: { message: { content: converseContent(script), role: 'assistant' } },
        stopReason: stopReasonOf(script),
        usage: novaUsage(usage),
      },
    };
  }
  const payloads = converseEvents(script).map((e) => {
    if (e.event !== 'metadata') return { data: { [e.event]: e.data }, content: e.content };
    return {
      data: {
        metadata: { usage: novaUsage(usage), metrics: {}, trace: {} },
        'amazon-bedrock-invocationMetrics': invocationMetrics(usage),
      },
    };
  });
  return { type: 'sse', frames: chunkFrames(payloads) };
}

function invoke(stream: boolean) {
  return (ctx: RouteContext): WireReply => {
    const body = ctx.body;
    if (!isObject(body)) return validation('Malformed input request, please reformat your input and try again.');
    if (typeof body.anthropic_version === 'string') {
      if (body.model !== undefined)
        return validation('Malformed input request: extraneous key [model] is not permitted');
      return anthropicInvoke(ctx, stream);
    }
    if (typeof body.inputText === 'string') return titanInvoke(ctx, stream);
    if (Array.isArray(body.messages)) return novaInvoke(ctx, stream);
    return validation('Malformed input request, please reformat your input and try again.');
  };
}

// ---------------------------------------------------------------- errors and headers

const EXCEPTION_BY_STATUS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

function errorBody(kind: ErrorKind, status: number, message?: string): unknown {
  const error = (msg: string) => ({ message: message ?? msg });
  switch (kind) {
    case 'rate_limit':
      return error('Too many requests, please wait before trying again.');
    case 'server_error':
      return error('The server encountered an internal error while processing the request.');
    case 'unavailable':
    case 'overloaded':
      return error('Bedrock is unable to process your request.');
    case 'not_found':
      return error('The requested resource could not be found.');
    case 'bad_request':
      return error('Malformed input request, please reformat your input and try again.');
    default:
      return error(`Scripted HTTP ${status} from the fake provider`);
  }
}

function errorHeaders(status: number): Record<string, string> {
  const name = EXCEPTION_BY_STATUS[status] ?? (status >= 500 ? 'ServiceUnavailableException' : 'ValidationException');
  return { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` };
}

const MODEL_PATH = '^/model/(?<modelId>[^/]+)/';

export const bedrockWire: WireFormat = {
  name: 'bedrock',
  routes: [
    { method: 'POST', pattern: new RegExp(`${MODEL_PATH}converse$`), handle: converse(false) },
    { method: 'POST', pattern: new RegExp(`${MODEL_PATH}converse-stream$`), handle: converse(true) },
    { method: 'POST', pattern: new RegExp(`${MODEL_PATH}invoke$`), handle: invoke(false) },
    { method: 'POST', pattern: new RegExp(`${MODEL_PATH}invoke-with-response-stream$`), handle: invoke(true) },
  ],
  errorBody,
  errorHeaders,
  responseHeaders: () => ({
    'x-amzn-requestid': `${randomAlnum(8)}-${randomAlnum(4)}-${randomAlnum(12)}`.toLowerCase(),
  }),
  streamErrorFrame,
  malformedSseFrame: malformedFrame(),
  stream: { contentType: 'application/vnd.amazon.eventstream', encode },
};
