import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { findRoute, pause, playStream, readBody, scriptedError, sendJson, sendJsonReply } from './replies.js';
import { parseScriptHeader, type Script, type ScriptRequest, type ScriptSource } from './script.js';
import { type WireFormat, type WireReply, WireRequestError } from './wire.js';

export type { ErrorKind, Route, RouteContext, WireFormat, WireReply } from './wire.js';
export { WireRequestError } from './wire.js';

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
