// Sending what a route answered, with the script's delays and faults applied: JSON bodies, SSE streams
// played frame by frame, scripted errors in the wire's dialect.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_FAULT_AFTER_CHUNKS, type Script } from './script.js';
import { formatFrame, MALFORMED_SSE_FRAME } from './sse.js';
import type { Route, WireFormat, WireReply } from './wire.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

export function findRoute(
  wires: WireFormat[],
  method: string,
  path: string,
): { wire: WireFormat; route: Route; params: Record<string, string> } | undefined {
  for (const wire of wires) {
    for (const route of wire.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match) return { wire, route, params: { ...match.groups } };
    }
  }
  return undefined;
}

export function scriptedError(
  script: Script,
  wire: WireFormat,
): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
  const error = scriptedErrorBody(script, wire);
  if (error === undefined || wire.errorHeaders === undefined) return error;
  return { ...error, headers: { ...error.headers, ...wire.errorHeaders(error.status, error.body) } };
}

function scriptedErrorBody(
  script: Script,
  wire: WireFormat,
): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
  switch (script.fault) {
    case 'rate_limit':
      return {
        status: 429,
        body: script.errorBody ?? wire.errorBody('rate_limit', 429),
        headers: { 'retry-after': String(script.retryAfterSeconds ?? 1) },
      };
    case 'server_error':
      return { status: 500, body: script.errorBody ?? wire.errorBody('server_error', 500) };
    case 'unavailable':
      return { status: 503, body: script.errorBody ?? wire.errorBody('unavailable', 503) };
    case 'overloaded':
      return { status: 529, body: script.errorBody ?? wire.errorBody('overloaded', 529) };
  }
  if (script.status !== undefined && script.status >= 400) {
    return { status: script.status, body: script.errorBody ?? wire.errorBody('scripted', script.status) };
  }
  return undefined;
}

export async function sendJsonReply(
  res: ServerResponse,
  reply: Extract<WireReply, { type: 'json' }>,
  script: Script,
  wire: WireFormat,
  signal: AbortSignal,
): Promise<void> {
  if (!(await pause(script.responseDelayMs, signal))) return;
  const text = JSON.stringify(reply.body);
  const headers = { ...wire.responseHeaders(), ...JSON_HEADERS };
  switch (script.fault) {
    case 'malformed_json':
    case 'malformed_sse':
      // Stream-only faults degrade to their nearest non-stream equivalent: a cut-off JSON body.
      res.writeHead(reply.status ?? 200, headers);
      res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      return;
    case 'reset_mid_stream':
      // Chunked, like the real API: with a content-length some clients (node-fetch in openai v4) wait forever.
      res.writeHead(reply.status ?? 200, headers);
      res.flushHeaders();
      await write(res, text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    case 'stream_error':
      // A plain request has no stream to break: answer what the stream error reports, an overload.
      sendJson(res, 529, script.errorBody ?? wire.errorBody('overloaded', 529), {
        ...headers,
        ...wire.errorHeaders?.(529, script.errorBody),
      });
      return;
    default:
      sendJson(res, reply.status ?? 200, reply.body, {
        ...headers,
        ...((reply.status ?? 200) >= 400 ? wire.errorHeaders?.(reply.status ?? 200, reply.body) : undefined),
      });
  }
}

export async function playStream(
  res: ServerResponse,
  reply: Extract<WireReply, { type: 'sse' }>,
  script: Script,
  wire: WireFormat,
  signal: AbortSignal,
): Promise<void> {
  res.writeHead(200, {
    ...wire.responseHeaders(),
    'content-type': wire.stream?.contentType ?? 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const encode = wire.stream?.encode ?? formatFrame;
  // Headers go out now so clients can measure time-to-first-chunk from a live response.
  res.flushHeaders();

  const streamFault =
    script.fault === 'reset_mid_stream' || script.fault === 'malformed_sse' || script.fault === 'stream_error'
      ? script.fault
      : undefined;
  const faultAfter = script.faultAfterChunks ?? DEFAULT_FAULT_AFTER_CHUNKS;
  let contentSent = 0;
  let firstDelayDone = false;

  const injectFault = async (): Promise<void> => {
    if (streamFault === 'malformed_sse') {
      await write(res, wire.malformedSseFrame ?? MALFORMED_SSE_FRAME);
      res.end();
    } else if (streamFault === 'stream_error') {
      await write(
        res,
        wire.streamErrorFrame?.(script.errorBody) ??
          formatFrame({ data: script.errorBody ?? wire.errorBody('overloaded', 529) }),
      );
      res.end();
    } else {
      res.socket?.destroy();
    }
  };

  for (const frame of reply.frames) {
    if (!frame.immediate && !firstDelayDone) {
      firstDelayDone = true;
      if (!(await pause(script.firstChunkDelayMs, signal))) return;
    } else if (frame.content && contentSent > 0) {
      if (!(await pause(script.chunkDelayMs, signal))) return;
    }
    if (signal.aborted) return;
    // Awaiting the write callback means the bytes reached the kernel before we go on (or fault).
    await write(res, encode(frame));
    if (frame.content) {
      contentSent++;
      if (streamFault && contentSent === faultAfter) {
        await injectFault();
        return;
      }
    }
  }
  if (streamFault) {
    // Fewer content chunks than faultAfterChunks: still fault, right before the stream would end.
    await injectFault();
    return;
  }
  if (reply.terminator) await write(res, reply.terminator);
  res.end();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function write(res: ServerResponse, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    res.write(chunk, () => resolve());
  });
}

/** Resolves false when the client went away during the pause. */
export async function pause(ms: number | undefined, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (!ms || ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
