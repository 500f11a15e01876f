import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import {
  type FlatLog,
  type FlatMetric,
  type FlatSpan,
  flattenLogs,
  flattenMetrics,
  flattenSpans,
  type IdEncoding,
  type LogsRequestIn,
  type MetricsRequestIn,
  type TracesRequestIn,
} from './otlp-flatten.js';
import { decodeProtobuf, type OtlpSignal, responseType } from './otlp-schema.js';

export interface ReceivedOtlpRequest {
  path: string;
  contentType: string;
  /** Decompressed body bytes, for "no secret appears in any exported byte" checks. */
  body: Buffer;
  /** The content-encoding the exporter used (e.g. gzip), if any. */
  contentEncoding?: string;
}

export interface OtlpReceiver {
  /** http://127.0.0.1:PORT, suitable as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  requests: ReceivedOtlpRequest[];
  spans(): FlatSpan[];
  metrics(): FlatMetric[];
  logs(): FlatLog[];
  /** Polls pred until it returns true; rejects with a summary of what arrived on timeout (default 5000 ms). */
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets everything received so far. */
  reset(): void;
  close(): Promise<void>;
}

const SIGNAL_BY_PATH: Record<string, OtlpSignal> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

export async function startOtlpReceiver(opts: { port?: number } = {}): Promise<OtlpReceiver> {
  const requests: ReceivedOtlpRequest[] = [];
  let spans: FlatSpan[] = [];
  let metrics: FlatMetric[] = [];
  let logs: FlatLog[] = [];
  const decodeErrors: string[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    receive(req, res).catch((err: unknown) => {
      decodeErrors.push(`${req.url}: ${(err as Error).message}`);
      reply(res, 500, 'text/plain', Buffer.from(`OTLP receiver failed: ${(err as Error).message}`));
    });
  });

  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver.invalid').pathname;
    const signal = SIGNAL_BY_PATH[path];
    if (req.method !== 'POST' || !signal) {
      reply(
        res,
        404,
        'text/plain',
        Buffer.from(`No OTLP endpoint at ${req.method} ${path}; use POST /v1/traces, /v1/metrics or /v1/logs`),
      );
      return;
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const contentEncoding = req.headers['content-encoding']?.toLowerCase();
    const raw = await readAll(req);
    let body: Buffer;
    try {
      body = decompress(raw, contentEncoding);
    } catch (err) {
      decodeErrors.push(`${path}: cannot decompress ${contentEncoding} body: ${(err as Error).message}`);
      reply(res, 400, 'text/plain', Buffer.from(`Cannot decompress ${contentEncoding} body`));
      return;
    }
    requests.push({ path, contentType, body, ...(contentEncoding ? { contentEncoding } : {}) });

    let decoded: unknown;
    let encoding: IdEncoding;
    try {
      if (contentType === 'application/x-protobuf') {
        decoded = decodeProtobuf(signal, body);
        encoding = 'base64';
      } else if (contentType === 'application/json') {
        decoded = JSON.parse(body.toString('utf8'));
        encoding = 'hex';
      } else {
        decodeErrors.push(`${path}: unsupported content-type '${contentType}'`);
        reply(res, 415, 'text/plain', Buffer.from('Send application/x-protobuf or application/json'));
        return;
      }
    } catch (err) {
      decodeErrors.push(`${path}: cannot decode ${contentType} body: ${(err as Error).message}`);
      reply(res, 400, 'text/plain', Buffer.from(`Cannot decode ${contentType} body: ${(err as Error).message}`));
      return;
    }

    if (signal === 'traces') spans = spans.concat(flattenSpans(decoded as TracesRequestIn, encoding));
    else if (signal === 'metrics') metrics = metrics.concat(flattenMetrics(decoded as MetricsRequestIn));
    else logs = logs.concat(flattenLogs(decoded as LogsRequestIn, encoding));

    if (contentType === 'application/json') {
      reply(res, 200, 'application/json', Buffer.from('{}'));
    } else {
      const type = responseType(signal);
      reply(res, 200, 'application/x-protobuf', Buffer.from(type.encode(type.create({})).finish()));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('OTLP receiver did not bind a TCP port');

  const summary = () =>
    `received ${requests.length} request(s) [${requests.map((r) => `${r.path} ${r.contentType}`).join(', ')}], ` +
    `${spans.length} span(s) [${spans.map((s) => s.name).join(', ')}], ${metrics.length} metric(s) [${metrics
      .map((m) => m.name)
      .join(', ')}], ${logs.length} log(s)` +
    (decodeErrors.length ? `; errors: ${decodeErrors.join('; ')}` : '');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    spans: () => spans,
    metrics: () => metrics,
    logs: () => logs,
    async waitFor(pred, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() >= deadline) {
          throw new Error(
            `OtlpReceiver.waitFor: condition still false after ${timeoutMs} ms; ${summary()}. ` +
              'Check that the exporter points at this receiver and is flushed (forceFlush/shutdown) before waiting.',
          );
        }
        await sleep(20);
      }
    },
    reset() {
      requests.length = 0;
      spans = [];
      metrics = [];
      logs = [];
      decodeErrors.length = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function decompress(raw: Buffer, encoding: string | undefined): Buffer {
  switch (encoding) {
    case undefined:
    case '':
    case 'identity':
      return raw;
    case 'gzip':
      return gunzipSync(raw);
    case 'deflate':
      return inflateSync(raw);
    case 'br':
      return brotliDecompressSync(raw);
    default:
      throw new Error(`unsupported content-encoding '${encoding}'`);
  }
}

function reply(res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(body.length) });
  res.end(body);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
