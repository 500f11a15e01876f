import type { Operation, OperationRequest, ResultHandlers, Telemetry } from '@promptscope/core';
import type { ClientLike } from './request.js';

/** How one SDK method maps to telemetry: the request before the call, the result after. */
export interface ApiMapping {
  /** Returns the request to record and the body to send (a copy when we add a parameter), or undefined to skip. */
  prepare(body: unknown, client: ClientLike | undefined, telemetry: Telemetry): Prepared | undefined;
}

export interface Prepared {
  request: OperationRequest;
  /** The body to pass to the SDK: the caller's own object unless we had to add to it. */
  body: unknown;
  /** Records request content; only called when content capture is on. */
  recordContent?(op: Operation): void;
  handlers: ResultHandlers;
}
