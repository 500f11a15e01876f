import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { ExportGate, logExporter, metricExporter, traceExporter, unrefRetries } from '../src/exporters.js';
import { type ExitHandlerOptions, installExitHandlers, once, withDeadline } from '../src/shutdown.js';

class FakeProcess extends EventEmitter {
  pid = 4242;
  kill = vi.fn((_pid: number, _signal?: string | number) => true);
}

function fake(): FakeProcess & NonNullable<ExitHandlerOptions['proc']> {
  return new FakeProcess() as FakeProcess & NonNullable<ExitHandlerOptions['proc']>;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('withDeadline', () => {
  it('resolves done, error or timeout, never rejects; runs onTimeout at the deadline', async () => {
    expect(await withDeadline(async () => {}, 1000)).toBe('done');
    expect(await withDeadline(() => Promise.reject(new Error('x')), 1000)).toBe('error');
    expect(
      await withDeadline(() => {
        throw new Error('sync');
      }, 1000),
    ).toBe('error');
    const onTimeout = vi.fn();
    const started = Date.now();
    expect(await withDeadline(() => new Promise(() => {}), 50, onTimeout)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(onTimeout).toHaveBeenCalledOnce();
  });

  it('once shares the first run', async () => {
    const fn = vi.fn(async () => 1);
    const run = once(fn);
    await Promise.all([run(), run()]);
    expect(fn).toHaveBeenCalledOnce();
  });
});

describe('installExitHandlers', () => {
  it('beforeExit: flushes once and removes itself', async () => {
    const proc = fake();
    const shutdown = vi.fn(async () => {});
    installExitHandlers(shutdown, { proc });
    proc.emit('beforeExit', 0);
    proc.emit('beforeExit', 0);
    expect(shutdown).toHaveBeenCalledOnce();
    expect(proc.listenerCount('beforeExit')).toBe(0);
  });

  it('a signal only we listen to: flush, remove our listeners, re-raise', async () => {
    const proc = fake();
    const shutdown = vi.fn(async () => {});
    installExitHandlers(shutdown, { proc });
    proc.emit('SIGTERM', 'SIGTERM');
    expect(proc.kill).not.toHaveBeenCalled();
    await tick();
    expect(shutdown).toHaveBeenCalledOnce();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.kill).toHaveBeenCalledWith(4242, 'SIGTERM');
  });

  it('a second signal during the flush re-raises at once', async () => {
    const proc = fake();
    installExitHandlers(() => new Promise(() => {}), { proc });
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.kill).not.toHaveBeenCalled();
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.kill).toHaveBeenCalledWith(4242, 'SIGINT');
  });

  it('a signal the app also listens to: only flush, never re-raise', async () => {
    const proc = fake();
    const shutdown = vi.fn(async () => {});
    installExitHandlers(shutdown, { proc });
    const app = vi.fn();
    proc.on('SIGTERM', app);
    proc.emit('SIGTERM', 'SIGTERM');
    await tick();
    expect(shutdown).toHaveBeenCalledOnce();
    expect(app).toHaveBeenCalledOnce();
    expect(proc.kill).not.toHaveBeenCalled();
    expect(proc.listenerCount('SIGTERM')).toBe(2);
  });
});

describe('exporters', () => {
  it('every OTLP exporter gets unref-ed retries (pins the exporter internals we rely on)', () => {
    for (const protocol of ['http/protobuf', 'http/json'] as const) {
      for (const make of [traceExporter, metricExporter, logExporter]) {
        // true: the RetryingTransport shape was found, so the retry timers are unref-ed
        expect(unrefRetries(make(protocol)), `${make.name} ${protocol}`).toBe(true);
      }
    }
    expect(unrefRetries({})).toBe(false);
  });

  it('ExportGate.abandon fails pending exports and every later one', () => {
    const gate = new ExportGate();
    const exporter = gate.wrap({ export: (_items: unknown, _done: (r: { code: number }) => void) => {} });
    const first = vi.fn();
    exporter.export([], first);
    expect(first).not.toHaveBeenCalled();
    gate.abandon();
    expect(first).toHaveBeenCalledWith(expect.objectContaining({ code: 1 }));
    const later = vi.fn();
    exporter.export([], later);
    expect(later).toHaveBeenCalledWith(expect.objectContaining({ code: 1 }));
  });

  it('a completed export is reported once, even if abandoned later', () => {
    const gate = new ExportGate();
    const exporter = gate.wrap({ export: (_items: unknown, done: (r: { code: number }) => void) => done({ code: 0 }) });
    const cb = vi.fn();
    exporter.export([], cb);
    gate.abandon();
    expect(cb).toHaveBeenCalledOnce();
    expect(cb).toHaveBeenCalledWith({ code: 0 });
  });
});
