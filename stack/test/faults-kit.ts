// Pieces of the fault campaign (faults.test.ts): traffic with exact accounting, the real demo app run under the
// register hook, an OTLP fan-out, and small Prometheus/Jaeger readers. The processes themselves: harness.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startFakeProvider } from '@promptscope/testing';
import type { Jaeger, Prometheus } from './harness.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const REGISTER_DIST = join(REPO, 'packages', 'register', 'dist', 'index.js');
const DEMO_APP = join(REPO, 'examples', 'demo', 'src', 'app.mjs');
/** The app's shutdown deadline (PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS) in every run. */
export const SHUTDOWN_DEADLINE_MS = 2000;
/** Every run of the demo app: the same calls and seed, so the same answers whatever the telemetry path does. */
export const APP = { calls: 40, seed: 11 };

// ---------------------------------------------------------------------------------------------------------------
// Traffic with exact accounting: spans the agent answered 200 for are "accepted".

export const hex = (n: number) => randomBytes(n).toString('hex');
export const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

export class Traffic {
  accepted = new Set<string>();
  refused = 0;
  /** trace id -> when its spans were sent (ms) */
  sentAt = new Map<string, number[]>();
  constructor(readonly service: string) {}

  private span(traceId: string, spanId: string, parentSpanId?: string) {
    const end = BigInt(Date.now()) * 1_000_000n;
    return {
      traceId,
      spanId,
      parentSpanId,
      name: 'chat gpt-4o-mini',
      kind: 3,
      startTimeUnixNano: (end - 30_000_000n).toString(),
      endTimeUnixNano: end.toString(),
      attributes: [
        str('gen_ai.operation.name', 'chat'),
        str('gen_ai.provider.name', 'openai'),
        str('gen_ai.request.model', 'gpt-4o-mini'),
        str('gen_ai.prompt.name', 'support-reply'),
      ],
      status: { code: 0 },
    };
  }

  async send(url: string, spans: ReturnType<Traffic['span']>[]) {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', this.service)] },
          scopeSpans: [{ scope: { name: 'faults' }, spans }],
        },
      ],
    };
    try {
      const res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      if (res.status === 200) for (const s of spans) this.accepted.add(s.spanId);
      else this.refused += spans.length;
    } catch {
      this.refused += spans.length;
    }
  }

  /**
   * `traces` traces of two spans each, a new trace every `everyMs`, the child span sent `childAfterMs` after its
   * root (separately: the agent must route both to the same gateway). Bounded: returns when all are sent.
   */
  async run(
    url: () => string,
    { traces, everyMs, childAfterMs = 400 }: { traces: number; everyMs: number; childAfterMs?: number },
  ) {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < traces; i++) {
      const traceId = hex(16);
      const rootId = hex(8);
      this.sentAt.set(traceId, [Date.now()]);
      pending.push(
        this.send(url(), [this.span(traceId, rootId)]).then(async () => {
          await sleep(childAfterMs);
          this.sentAt.get(traceId)?.push(Date.now());
          await this.send(url(), [this.span(traceId, hex(8), rootId)]);
        }),
      );
      await sleep(everyMs);
    }
    await Promise.all(pending);
  }
}

/** Polls `fn` until it returns a value (not undefined), every `everyMs`, for at most `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(everyMs);
  }
}

/** Waits until Jaeger holds every span in `ids` (or `ms` passed); returns the ids it holds. */
export async function jaegerHolds(j: Jaeger, service: string, ids: Set<string>, ms: number) {
  let found = new Set<string>();
  await until(
    `${ids.size} spans of ${service} in Jaeger`,
    async () => {
      found = await j.spanIds(service);
      return [...ids].every((id) => found.has(id)) ? true : undefined;
    },
    ms,
  ).catch(() => {});
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// The real demo app, under the register hook, against the fake provider.

export type AppRun = { code: number | null; out: string; summary: string; exitAfterMs: number };

export async function runApp(service: string, endpoint: string, extra: Record<string, string> = {}): Promise<AppRun> {
  const fake = await startFakeProvider({ host: '127.0.0.1' });
  const { scenario } = await import(pathToFileURL(join(REPO, 'examples', 'demo', 'src', 'scenario.mjs')).href);
  fake.script(scenario(APP.seed));
  try {
    return await new Promise<AppRun>((resolve, reject) => {
      const child: ChildProcess = spawn(process.execPath, ['--import', pathToFileURL(REGISTER_DIST).href, DEMO_APP], {
        cwd: REPO,
        env: {
          ...process.env,
          OTEL_SERVICE_NAME: service,
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
          OPENAI_BASE_URL: fake.url,
          OPENAI_API_KEY: 'sk-faults-not-a-real-key',
          DEMO_CALLS: String(APP.calls),
          DEMO_SEED: String(APP.seed),
          DEMO_CONCURRENCY: '1',
          PROMPTSCOPE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_DEADLINE_MS),
          ...extra,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let doneAt = 0;
      child.stdout?.on('data', (d) => {
        out += d;
        if (!doneAt && /\[app\] \d+ calls:/.test(out)) doneAt = Date.now();
      });
      child.stderr?.on('data', (d) => {
        out += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        const summary = /\[app\] \d+ calls:[^\n]*/.exec(out)?.[0] ?? '';
        resolve({ code, out, summary, exitAfterMs: doneAt ? Date.now() - doneAt : Number.NaN });
      });
    });
  } finally {
    await fake.close();
  }
}

/** What "the app through all of it" means: the same answers as with no fault, a clean exit within the deadline. */
export async function longestGap(p: Prometheus, selector: string, range = '10m') {
  const series = (await p.query(`${selector}[${range}]`)) as unknown as {
    metric: Record<string, string>;
    values: [number, string][];
  }[];
  let gap = 0;
  for (const s of series)
    for (let i = 1; i < s.values.length; i++) gap = Math.max(gap, s.values[i][0] - s.values[i - 1][0]);
  return { series: series.length, gap };
}

export const scalar = async (p: Prometheus, expr: string) => Number((await p.query(expr))[0]?.value[1] ?? 0);

/** An OTLP/HTTP fan-out: every request the app sends goes to each of `targets`; 200 when all answered 200. */
export async function fanOut(targets: string[]) {
  let failures = 0;
  const server = createHttpServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const headers = { 'content-type': String(req.headers['content-type'] ?? 'application/x-protobuf') };
    const answers = await Promise.all(
      targets.map((t) =>
        fetch(`${t}${req.url}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) }).then(
          async (r) => {
            await r.arrayBuffer();
            return r.status;
          },
          () => 0,
        ),
      ),
    );
    const ok = answers.every((s) => s === 200);
    if (!ok) failures++;
    res.writeHead(ok ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    failures: () => failures,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function gatewayOf(
  trace: { processes: Record<string, { tags: { key: string; value: unknown }[] }> },
  pid: string,
) {
  return trace.processes[pid]?.tags.find((t) => t.key === 'promptscope.gateway')?.value;
}
