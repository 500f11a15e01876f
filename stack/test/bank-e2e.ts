/**
 * `promptscope bank add` against the running stack's Jaeger (called from e2e.test.ts while the stack is up).
 *
 * The stack's collector removes captured content, as shipped. Harvesting production cases needs it kept, so
 * this starts a second collector from the same config with PROMPTSCOPE_KEEP_CONTENT=true on its own ports,
 * exporting to the same Jaeger: what a team switches on to make production cases harvestable. The demo app,
 * with content capture on, sends through it (and through a tee to a local receiver, to know what production
 * recorded); its thumbs-down traces survive tail sampling. Then:
 *  - `bank add --trace --span` makes a case whose vars and provenance equal the recorded span's;
 *  - `bank add --worst` takes what `promptscope worst` lists: kept content becomes cases, stripped spans are refused;
 *  - a span that reached Jaeger through the stack's own collector (content removed) is refused with the message.
 */

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FlatSpan, startFakeProvider, startOtlpReceiver } from '@promptscope/testing';
import { expect } from 'vitest';

const KEEP = {
  http: '127.0.0.1:4338',
  grpc: '127.0.0.1:4337',
  health: '127.0.0.1:13143',
  metricsPort: '8898',
};
export const BANK_E2E_SERVICE = 'promptscope-bank-e2e';

export type Run = (
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
  timeoutMs?: number,
) => Promise<{ code: number | null; out: string }>;

/** What the stack e2e hands the flows it delegates to a module. */
export interface StackCtx {
  repo: string;
  jaeger: string;
  /** The stack's own collector (content removed). */
  collector: string;
  run: Run;
  env: NodeJS.ProcessEnv;
  /** Microseconds: the start of the e2e run, for Jaeger searches. */
  startUs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 500 ms until it gives a value, or throws naming what it waited for. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

async function jaegerTrace(jaeger: string, traceId: string) {
  const res = await fetch(`${jaeger}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) return undefined;
  return ((await res.json()) as { data: { spans: { spanID: string; tags: { key: string; value: unknown }[] }[] }[] })
    .data[0];
}

/** A second collector from collector-config/collector.yaml that keeps content, feeding the stack's Jaeger. */
async function startKeepingCollector(c: StackCtx): Promise<{ stop(): Promise<void> }> {
  const { buildCollector } = await import(pathToFileURL(join(c.repo, 'collector-config', 'build.mjs')).href);
  const { startProcess, stopProcess, isAlive } = await import(
    pathToFileURL(join(c.repo, 'stack', 'lib', 'procs.mjs')).href
  );
  const bin = await buildCollector({ log: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'promptscope-keep-'));
  const rec = startProcess({
    name: 'collector-keep',
    bin,
    args: [`--config=${join(c.repo, 'collector-config', 'collector.yaml')}`],
    env: {
      ...c.env,
      PROMPTSCOPE_KEEP_CONTENT: 'true',
      PROMPTSCOPE_OTLP_HTTP_LISTEN: KEEP.http,
      PROMPTSCOPE_OTLP_GRPC_LISTEN: KEEP.grpc,
      PROMPTSCOPE_HEALTH_CHECK_ENDPOINT: KEEP.health,
      PROMPTSCOPE_COLLECTOR_METRICS_PORT: KEEP.metricsPort,
      PROMPTSCOPE_JAEGER_OTLP_ENDPOINT: '127.0.0.1:14317',
      PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: 'http://127.0.0.1:9090/api/v1/write',
      PROMPTSCOPE_TAIL_DECISION_WAIT: '1s',
    },
    pidDir: join(dir, 'pids'),
    logDir: join(dir, 'logs'),
  });
  try {
    await until(
      'the content-keeping collector to be healthy',
      async () => {
        if (!isAlive(rec)) throw new Error(`it exited: ${readFileSync(rec.log, 'utf8').slice(-2000)}`);
        return (await fetch(`http://${KEEP.health}/`, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined;
      },
      30_000,
    );
  } catch (err) {
    await stopProcess(rec, 5000);
    throw err;
  }
  return {
    async stop() {
      await stopProcess(rec, 10_000);
      expect(isAlive(rec)).toBe(false);
    },
  };
}

function cliJson(c: StackCtx, args: string[]) {
  return c.run(process.execPath, [join(c.repo, 'packages', 'cli', 'dist', 'bin.js'), ...args], c.env, 60_000);
}

export async function bankAddFromJaeger(c: StackCtx): Promise<void> {
  const collector = await startKeepingCollector(c);
  const receiver = await startOtlpReceiver();
  const fake = await startFakeProvider({ host: '127.0.0.1' });
  const { startTee } = await import(pathToFileURL(join(c.repo, 'examples', 'demo', 'src', 'tee.mjs')).href);
  const { scenario } = await import(pathToFileURL(join(c.repo, 'examples', 'demo', 'src', 'scenario.mjs')).href);
  const tee = await startTee(receiver.url, `http://${KEEP.http}`);
  const dir = mkdtempSync(join(tmpdir(), 'promptscope-bank-e2e-'));
  try {
    fake.script(scenario(11));
    const app = await c.run(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(c.repo, 'packages', 'register', 'dist', 'index.js')).href,
        join(c.repo, 'examples', 'demo', 'src', 'app.mjs'),
      ],
      {
        ...c.env,
        OTEL_SERVICE_NAME: BANK_E2E_SERVICE,
        OTEL_EXPORTER_OTLP_ENDPOINT: tee.url,
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'sk-e2e-not-a-real-key',
        DEMO_CALLS: '24',
        DEMO_SEED: '11',
      },
      120_000,
    );
    expect(app.code, app.out).toBe(0);
    // What production recorded: a completion with its variables and a thumbs down on it.
    const sent = () => receiver.spans();
    await receiver.waitFor(() => sent().some((s) => s.attributes['gen_ai.evaluation.score.value'] === 0), 10_000);
    const thumbsDown = sent().filter(
      (s) => s.attributes['gen_ai.evaluation.name'] === 'thumbs' && s.attributes['gen_ai.evaluation.score.value'] === 0,
    );
    const completion = sent().find(
      (s) =>
        thumbsDown.some((f) => f.traceId === s.traceId && f.parentSpanId === s.spanId) &&
        s.attributes['gen_ai.prompt.variable.question'] !== undefined,
    ) as FlatSpan;
    expect(completion, 'a thumbs-down completion with captured variables').toBeDefined();
    const stored = await until(
      `trace ${completion.traceId} in Jaeger, with its variables`,
      async () => {
        const t = await jaegerTrace(c.jaeger, completion.traceId);
        const s = t?.spans.find((sp) => sp.spanID === completion.spanId);
        return s?.tags.some((tag) => tag.key === 'gen_ai.prompt.variable.question') ? t : undefined;
      },
      30_000,
    );
    expect(stored).toBeDefined();

    const demoPrompts = join(c.repo, 'examples', 'demo', 'prompts');
    const one = await cliJson(c, [
      'bank',
      'add',
      'support-reply',
      '--trace',
      completion.traceId,
      '--span',
      completion.spanId,
      '--bank',
      dir,
      '--dir',
      demoPrompts,
      '--jaeger',
      c.jaeger,
    ]);
    expect(one.code, one.out).toBe(0);
    const { parseBank } = await import(pathToFileURL(join(c.repo, 'packages', 'eval', 'dist', 'index.js')).href);
    const bank = parseBank(readFileSync(join(dir, 'support-reply.yaml'), 'utf8'), 'support-reply.yaml', false);
    expect(bank.cases).toHaveLength(1);
    const a = completion.attributes;
    expect(bank.cases[0].vars).toEqual({
      ticket: Number(a['gen_ai.prompt.variable.ticket']),
      question: a['gen_ai.prompt.variable.question'],
    });
    // The exported start time is nanoseconds held in a float (256 ns steps at today's epoch) and Jaeger keeps
    // microseconds, so the two can straddle a millisecond boundary: capturedAt must be that start, to the millisecond.
    const { capturedAt, ...source } = bank.cases[0].source;
    expect(Math.abs(Date.parse(capturedAt) - completion.startTimeUnixNano / 1e6)).toBeLessThan(1.5);
    expect(source).toEqual({
      traceId: completion.traceId,
      spanId: completion.spanId,
      promptVersion: String(a['gen_ai.prompt.version']),
      model: String(a['gen_ai.response.model'] ?? a['gen_ai.request.model']),
      signal: 'thumbs_down',
      service: BANK_E2E_SERVICE,
      from: 'jaeger',
    });

    // --worst: what `promptscope worst` lists; kept content becomes cases, the stack's stripped spans are refused
    const worstDir = join(dir, 'worst');
    const worst = await cliJson(c, [
      'bank',
      'add',
      'support-reply',
      '--worst',
      '--since',
      '1h',
      '--limit',
      '40',
      '--bank',
      worstDir,
      '--dir',
      demoPrompts,
      '--jaeger',
      c.jaeger,
    ]);
    expect(worst.code, worst.out).toBe(0);
    const added = (worst.out.match(/^added c-[0-9a-f]{10} /gm) ?? []).length;
    expect(added).toBeGreaterThan(0);
    const worstBank = parseBank(
      readFileSync(join(worstDir, 'support-reply.yaml'), 'utf8'),
      'support-reply.yaml',
      false,
    );
    expect(
      worstBank.cases.every(
        (k: { source: { service: string; signal: string } }) => k.source.service === BANK_E2E_SERVICE,
      ),
    ).toBe(true);
    expect(worst.out).toMatch(/refused: span [0-9a-f]{16} of trace [0-9a-f]{32} has no captured prompt variables/);

    // A completion that went through the stack's collector: content removed, so refused, saying what to switch on.
    const q = `service=promptscope-demo&tags=${encodeURIComponent('{"gen_ai.prompt.name":"support-reply","gen_ai.operation.name":"chat"}')}&limit=5&start=${c.startUs}&end=${Date.now() * 1000}`;
    const res = (await (await fetch(`${c.jaeger}/api/traces?${q}`)).json()) as { data: { traceID: string }[] };
    const stripped = res.data[0]?.traceID as string;
    expect(stripped).toBeDefined();
    const refused = await cliJson(c, [
      'bank',
      'add',
      'support-reply',
      '--trace',
      stripped,
      '--bank',
      join(dir, 'none'),
      '--jaeger',
      c.jaeger,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/has no captured prompt variables \(gen_ai\.prompt\.variable\.\*\)/);
    expect(refused.out).toMatch(/PROMPTSCOPE_KEEP_CONTENT=true/);
    console.log(
      `[e2e] bank add from Jaeger: 1 case by trace (vars ${JSON.stringify(bank.cases[0].vars)}), ${added} from --worst, stripped trace ${stripped} refused`,
    );
  } finally {
    await tee.close();
    await fake.close();
    await receiver.close();
    await collector.stop();
  }
}
