import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import type { OtlpProtocol } from './env.js';

/**
 * The OTLP/HTTP exporters, built from the protocol. Endpoints, headers, timeout and compression are left
 * to the exporters, which read `OTEL_EXPORTER_OTLP_[<SIGNAL>_]*` themselves (a per-signal endpoint is used
 * as is; the generic one gets `/v1/<signal>` appended).
 *
 * Each exporter is made loop-friendly: its sockets and its retry back-off timers do not keep the event
 * loop alive. Without this a dead collector keeps an app that has finished its work alive: each export
 * retries for up to OTEL_EXPORTER_OTLP_TIMEOUT (10 s) on ref'd timers, a short metric interval starts the
 * next export before that ends, and `beforeExit` never fires. The final flush is kept alive explicitly, by
 * the shutdown deadline timer, and only for as long as the deadline allows.
 */

type Agent = http.Agent;

/** An agent whose sockets do not hold the event loop open. */
export function unrefAgent(protocol: string): Agent {
  const Base = protocol === 'https:' ? https.Agent : http.Agent;
  const agent = new Base({ keepAlive: true });
  const create = (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection;
  (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = function (
    this: Agent,
    ...args: unknown[]
  ) {
    const socket = create.apply(this, args);
    socket.unref();
    return socket;
  };
  return agent;
}

const agentFactory = async (protocol: string): Promise<Agent> => unrefAgent(protocol);

interface RetryingTransportShape {
  _transport: { send(data: Uint8Array, timeoutMillis: number): Promise<unknown> };
  retry(data: Uint8Array, timeoutMillis: number, inMillis: number): Promise<unknown>;
}

/**
 * Replaces the retry scheduling of one exporter instance with the same logic on an unref'd timer.
 * The OTLP exporters (0.223) keep a RetryingTransport at `_delegate._transport`; when the shape is not
 * what we expect (another version), nothing is changed and false is returned (a test pins this).
 */
export function unrefRetries(exporter: object): boolean {
  const delegate = (exporter as { _delegate?: { _transport?: unknown } })._delegate;
  const transport = delegate?._transport as Partial<RetryingTransportShape> | undefined;
  if (
    transport === undefined ||
    typeof transport.retry !== 'function' ||
    typeof transport._transport?.send !== 'function'
  ) {
    return false;
  }
  const t = transport as RetryingTransportShape;
  t.retry = (data, timeoutMillis, inMillis) =>
    new Promise((resolve, reject) => {
      setTimeout(() => {
        t._transport.send(data, timeoutMillis).then(resolve, reject);
      }, inMillis).unref();
    });
  return true;
}

interface ExportResultLike {
  code: number;
  error?: Error;
}
type ExportFn = (items: never, done: (result: ExportResultLike) => void) => void;

/**
 * Lets the shutdown deadline give up on exports still in flight. The SDK's batch processors wait for each
 * export's callback on a ref'd timer (30 s by default), so an export retrying against a dead collector
 * would hold the process that long after our deadline. `abandon()` fails every pending export at once,
 * and every later one immediately, so the processors finish and release their timers.
 */
export class ExportGate {
  private readonly pending = new Set<(result: ExportResultLike) => void>();
  private abandoned = false;

  wrap<T extends object>(exporter: T): T {
    const original = (exporter as unknown as { export: ExportFn }).export.bind(exporter);
    (exporter as unknown as { export: ExportFn }).export = (items, done) => {
      if (this.abandoned) {
        done(failed());
        return;
      }
      let settled = false;
      const finish = (result: ExportResultLike) => {
        if (settled) return;
        settled = true;
        this.pending.delete(finish);
        done(result);
      };
      this.pending.add(finish);
      original(items, finish);
    };
    return exporter;
  }

  abandon(): void {
    this.abandoned = true;
    for (const finish of [...this.pending]) finish(failed());
  }
}

function failed(): ExportResultLike {
  return { code: 1, error: new Error('@promptscope/register: export abandoned at the shutdown deadline') };
}

function loopFriendly<T extends object>(exporter: T, gate?: ExportGate): T {
  unrefRetries(exporter);
  return gate === undefined ? exporter : gate.wrap(exporter);
}

const options = { httpAgentOptions: agentFactory };

export function traceExporter(protocol: OtlpProtocol, gate?: ExportGate): TracesProto | TracesJson {
  return loopFriendly(protocol === 'http/json' ? new TracesJson(options) : new TracesProto(options), gate);
}

export function metricExporter(protocol: OtlpProtocol, gate?: ExportGate): MetricsProto | MetricsJson {
  return loopFriendly(protocol === 'http/json' ? new MetricsJson(options) : new MetricsProto(options), gate);
}

export function logExporter(protocol: OtlpProtocol, gate?: ExportGate): LogsProto | LogsJson {
  return loopFriendly(protocol === 'http/json' ? new LogsJson(options) : new LogsProto(options), gate);
}
