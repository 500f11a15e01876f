import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_FAULT_AFTER_CHUNKS,
  parseScriptHeader,
  type Script,
  type ScriptRequest,
  type ScriptSource,
} from './script.js';
import { formatFrame, MALFORMED_SSE_FRAME, type SseFrame } from './sse.js';

/** What a wire route answers; the core applies delays and faults when sending it. */
export type WireReply =
  | { type: 'json'; status?: number; body: unknown }
  | {
      type: 'sse';
      frames: SseFrame[];
      /** Raw text written after the last frame, e.g. `data: [DONE]\n\n`. */
      terminator?: string;
    };

export interface RouteContext {
  method: string;
  path: string;
  /** Named groups of the route pattern, e.g. `deployment` in the Azure path. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  // biome-ignore lint/suspicious/noExplicitAny: wire handlers read provider-specific request fields
  body: any;
  script: Script;
}

export interface Route {
  method: string;
  /** Matched against the path without the query string; named groups become params. */
  pattern: RegExp;
  handle(ctx: RouteContext): WireReply;
}

/** HTTP errors carry a provider-specific body; each wire format speaks its own dialect. */
export type ErrorKind =
  | 'rate_limit'
  | 'server_error'
  | 'unavailable'
  | 'overloaded'
  | 'not_found'
  | 'bad_request'
  | 'scripted';

/** One provider's wire protocol: its routes and how it shapes errors and response headers. */
export interface WireFormat {
  name: string;
  routes: Route[];
  errorBody(kind: ErrorKind, status: number, message?: string): unknown;
  responseHeaders(): Record<string, string>;
  /**
   * The raw SSE text of an in-stream error (fault `stream_error`), carrying `body` (the script's
   * `errorBody`) when given. Default: an event-less `data:` frame with `body` or
   * `errorBody('overloaded', 529)`, which is how OpenAI reports stream errors.
   */
  streamErrorFrame?(body?: unknown): string;
  /**
   * The raw SSE text of an unparsable frame (fault `malformed_sse`); default MALFORMED_SSE_FRAME.
   * Wires whose clients skip event-less frames must name an event here.
   */
  malformedSseFrame?: string;
}

/** Thrown by a route when the request is unusable; becomes a 400 in the wire's dialect. */
export class WireRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'WireRequestError';
  }
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Full request target including the query string (e.g. Azure's `?api-version=`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when the body is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON that tests inspect freely
  body: any;
  /** The script this request was answered with (queued/default merged with `x-fake-script`). */
  script: Script;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface FakeProvider {
  /** Base URL for an OpenAI SDK client, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** http://127.0.0.1:PORT; the Anthropic SDK's baseURL (it adds /v1 itself). */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Sets the default script for following requests. */
  script(s: ScriptSource): void;
  /** One-shot scripts consumed in order before the default. */
  enqueue(...scripts: Script[]): void;
  /** Forgets recorded requests, queued scripts and the default script. */
  reset(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  host?: string;
  port?: number;
  defaultScript?: Script;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export async function startServer(wires: WireFormat[], opts: StartOptions = {}): Promise<FakeProvider> {
  if (wires.length === 0) throw new Error('startServer needs at least one wire format to serve');
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const inFlight = new Set<AbortController>();
  const requests: RecordedRequest[] = [];
  let queue: Script[] = [];
  let defaultScript: ScriptSource = opts.defaultScript ?? {};
  let index = 0;

  const dialect = wires[0];

  const resolveScript = (req: ScriptRequest, headerValue: string | string[] | undefined): Script => {
    const queued = queue.shift();
    const base = queued ?? (typeof defaultScript === 'function' ? defaultScript(req) : defaultScript);
    const override = parseScriptHeader(headerValue);
    return { ...base, ...override };
  };

  const server = createServer((req, res) => {
    const at = performance.now();
    const abort = new AbortController();
    inFlight.add(abort);
    // A client that disconnects (abort, timeout) must stop our timers and writes.
    res.on('close', () => {
      abort.abort();
      inFlight.delete(abort);
    });
    handle(req, res, at, abort.signal).catch((err: unknown) => {
      if (abort.signal.aborted) return;
      if (!res.headersSent) {
        sendJson(res, 500, dialect.errorBody('server_error', 500, `fake provider crashed: ${(err as Error).message}`));
      } else {
        res.destroy(err as Error);
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, at: number, signal: AbortSignal): Promise<void> {
    const target = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = target.pathname;
    const method = req.method ?? 'GET';
    const rawBody = await readBody(req);
    // biome-ignore lint/suspicious/noExplicitAny: parsed request JSON of any shape
    let body: any = rawBody;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }

    const found = findRoute(wires, method, path);
    const wire = found?.wire ?? dialect;
    const requestIndex = index++;
    let script: Script;
    try {
      script = resolveScript({ path, body, index: requestIndex }, req.headers['x-fake-script']);
    } catch (err) {
      requests.push({ method, path, url: req.url ?? path, headers: req.headers, body, script: {}, at });
      sendJson(res, 400, wire.errorBody('bad_request', 400, (err as Error).message), wire.responseHeaders());
      return;
    }
    requests.push({ method, path, url: req.url ?? path, headers: req.headers, body, script, at });

    if (script.fault === 'reset_before_response') {
      req.socket.destroy();
      return;
    }
    if (!found) {
      sendJson(res, 404, wire.errorBody('not_found', 404, `Invalid URL (${method} ${path})`), wire.responseHeaders());
      return;
    }

    const error = scriptedError(script, wire);
    if (error) {
      if (!(await pause(script.responseDelayMs, signal))) return;
      sendJson(res, error.status, error.body, { ...wire.responseHeaders(), ...error.headers });
      return;
    }

    let reply: WireReply;
    try {
      reply = found.route.handle({
        method,
        path,
        params: found.params,
        query: target.searchParams,
        headers: req.headers,
        body,
        script,
      });
    } catch (err) {
      if (!(err instanceof WireRequestError)) throw err;
      sendJson(res, err.status, wire.errorBody('bad_request', err.status, err.message), wire.responseHeaders());
      return;
    }

    if (reply.type === 'json') {
      await sendJsonReply(res, reply, script, wire, signal);
    } else {
      await playStream(res, reply, script, wire, signal);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('connection', (socket) => {
    // Nagle would batch small SSE writes and falsify inter-chunk timings.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake provider did not bind a TCP port');
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  return {
    url: `${origin}/v1`,
    origin,
    port: address.port,
    requests,
    script(s) {
      defaultScript = s;
    },
    enqueue(...scripts) {
      queue.push(...scripts);
    },
    reset() {
      requests.length = 0;
      queue = [];
      defaultScript = opts.defaultScript ?? {};
      index = 0;
    },
    close() {
      for (const controller of inFlight) controller.abort();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function findRoute(
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

function scriptedError(
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

async function sendJsonReply(
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
      sendJson(res, 529, script.errorBody ?? wire.errorBody('overloaded', 529), headers);
      return;
    default:
      sendJson(res, reply.status ?? 200, reply.body, headers);
  }
}

async function playStream(
  res: ServerResponse,
  reply: Extract<WireReply, { type: 'sse' }>,
  script: Script,
  wire: WireFormat,
  signal: AbortSignal,
): Promise<void> {
  res.writeHead(200, {
    ...wire.responseHeaders(),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
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
    await write(res, formatFrame(frame));
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

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function write(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    res.write(chunk, () => resolve());
  });
}

/** Resolves false when the client went away during the pause. */
async function pause(ms: number | undefined, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (!ms || ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
