import { diag } from '@opentelemetry/api';

export type ShutdownOutcome = 'done' | 'timeout' | 'error';

/**
 * Runs `work` under one deadline and never rejects. While the work is pending the deadline timer is
 * ref'd: it is what keeps a `beforeExit` flush alive, since our exporters' sockets and retry timers are
 * unref'd (see exporters.ts). It is cleared as soon as the work settles, so it holds the process for at
 * most `ms`. At the deadline `onTimeout` runs (register uses it to abandon exports still in flight), so
 * whatever the work still has pending does not hold the process either.
 */
export function withDeadline(
  work: () => Promise<unknown>,
  ms: number,
  onTimeout: () => void = () => {},
): Promise<ShutdownOutcome> {
  return new Promise<ShutdownOutcome>((resolve) => {
    const timer = setTimeout(() => {
      diag.warn(`@promptscope/register: shutdown did not finish within ${ms} ms; telemetry not yet exported is lost.`);
      try {
        onTimeout();
      } catch {
        // giving up must not throw
      }
      resolve('timeout');
    }, ms);
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(work());
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      () => {
        clearTimeout(timer);
        resolve('done');
      },
      (err: unknown) => {
        clearTimeout(timer);
        diag.warn(`@promptscope/register: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        resolve('error');
      },
    );
  });
}

/** Memoizes a shutdown: every caller (beforeExit, a signal, the app) shares the first run. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let run: Promise<T> | undefined;
  return () => {
    run ??= fn();
    return run;
  };
}

export interface ExitHandlerOptions {
  signals?: NodeJS.Signals[];
  /** For tests: a process-like event emitter. */
  proc?: Pick<NodeJS.Process, 'on' | 'removeListener' | 'listenerCount' | 'kill' | 'pid'>;
}

/**
 * Flushes on `beforeExit` and on SIGTERM/SIGINT without changing how the app exits:
 * - `beforeExit`: the loop is empty, the app is done; flush (the deadline timer keeps the loop alive
 *   meanwhile), then the process exits as it would have, with the same exit code.
 * - a signal the app also listens to: only flush; the app decides what happens.
 * - a signal only we listen to: flush, remove our listener and re-raise the signal, so the process dies
 *   of it as it would have without us. A second signal during the flush re-raises at once.
 * Returns a function that removes the handlers.
 */
export function installExitHandlers(shutdown: () => Promise<unknown>, options: ExitHandlerOptions = {}): () => void {
  const proc = options.proc ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let flushing = false;

  const uninstall = () => {
    proc.removeListener('beforeExit', onBeforeExit);
    for (const s of signals) proc.removeListener(s, onSignal);
  };

  function onBeforeExit(): void {
    proc.removeListener('beforeExit', onBeforeExit);
    void shutdown();
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (proc.listenerCount(signal) > 1) {
      void shutdown();
      return;
    }
    const reraise = () => {
      uninstall();
      proc.kill(proc.pid, signal);
    };
    if (flushing) {
      reraise();
      return;
    }
    flushing = true;
    void shutdown().then(reraise, reraise);
  }

  proc.on('beforeExit', onBeforeExit);
  for (const s of signals) proc.on(s, onSignal);
  return uninstall;
}
