// What a wire format is to the fake provider's server: its routes, its error dialect, what a route answers.
import type { IncomingMessage } from 'node:http';
import type { Script } from './script.js';
import type { SseFrame } from './sse.js';

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
   * Headers an error response carries beside `responseHeaders()`, for dialects that name the error in a
   * header (AWS's `x-amzn-errortype`). Default none.
   */
  errorHeaders?(status: number, body: unknown): Record<string, string>;
  /**
   * The raw SSE text of an in-stream error (fault `stream_error`), carrying `body` (the script's
   * `errorBody`) when given. Default: an event-less `data:` frame with `body` or
   * `errorBody('overloaded', 529)`, which is how OpenAI reports stream errors.
   */
  streamErrorFrame?(body?: unknown): string | Uint8Array;
  /**
   * The raw SSE text of an unparsable frame (fault `malformed_sse`); default MALFORMED_SSE_FRAME.
   * Wires whose clients skip event-less frames must name an event here.
   */
  malformedSseFrame?: string | Uint8Array;
  /**
   * Streams that are not SSE (the AWS event-stream's binary messages): the content type of the streamed
   * response and how one frame is encoded. The frames' timing and faults are played exactly as for SSE.
   */
  stream?: { contentType: string; encode(frame: SseFrame): Uint8Array };
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
