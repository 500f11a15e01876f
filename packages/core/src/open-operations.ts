import type { Operation } from './operation.js';
import { processWide } from './process-wide.js';

// Operations still open, so that one timer can end the ones nobody will ever finish (a stream never
// iterated) and shutdown can end the rest before the last flush.
// One set per process, whichever build of core is loaded: shutdown must see every open operation.
const open = processWide('openOperations', () => new Set<Operation>());
let sweeper: ReturnType<typeof setInterval> | undefined;
let sweepEveryMs = 0;

export function track(op: Operation, timeoutMs: number): void {
  open.add(op);
  const every = Math.max(20, Math.min(30_000, Math.floor(timeoutMs / 4)));
  if (sweeper === undefined || every < sweepEveryMs) {
    if (sweeper !== undefined) clearInterval(sweeper);
    sweepEveryMs = every;
    sweeper = setInterval(sweep, every);
    sweeper.unref();
  }
}

function sweep(): void {
  const now = performance.now();
  for (const op of open) {
    if (now - op.lastActivity > op.telemetry.config.abandonTimeoutMs) op.end('abandoned');
  }
  if (open.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
    sweepEveryMs = 0;
  }
}

/**
 * Ends every operation still open (streams not yet finished or never consumed), marking them
 * `abandoned`. Call before the final flush at shutdown so their spans are exported.
 */
export function endOpenOperations(): number {
  const n = open.size;
  for (const op of [...open]) op.end('abandoned');
  return n;
}

/** The operation ended: nothing left for the sweeper or shutdown to end. */
export function untrack(op: Operation): void {
  open.delete(op);
}
