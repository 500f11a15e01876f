/**
 * The whole stack, end to end, as native processes on the documented loopback ports:
 * `up --fast` (an agent and one gateway) -> the demo's traffic and feedback -> Jaeger (tail-sampled traces), Prometheus (SDK metrics +
 * spanmetrics, every dashboard query, quality and segment panels included; `promptscope worst` and the dashboards'
 * Jaeger trace searches against Jaeger), rules -> Alertmanager -> a webhook sink on 127.0.0.1:9097 (firing, then resolved)
 * -> `down`. Cold, `up` builds the collector and Jaeger (many minutes); warm it takes seconds.
 * Needs `npm run build` (the demo runs the built register hook). Fails (never skips) when a port is taken.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type FlatSpan, startFakeProvider, startOtlpReceiver } from '@promptscope/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bankAddFromJaeger } from './bank-e2e.js';
import { replayFromJaeger } from './replay-e2e.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO, 'stack', 'cli.mjs');
const PROMPTSCOPE_CLI = join(REPO, 'packages', 'cli', 'dist', 'bin.js');
const DEMO = join(REPO, 'examples', 'demo', 'src', 'main.mjs');
const DEMO_APP = join(REPO, 'examples', 'demo', 'src', 'app.mjs');
const REGISTER_DIST = join(REPO, 'packages', 'register', 'dist', 'index.js');
const CACHE = process.env.PROMPTSCOPE_CACHE_DIR || join(homedir(), '.cache', 'promptscope');
// Own state dir: never touches (or stops) a stack the developer started with `npm run stack -- up`.
const STATE = join(CACHE, 'stack-e2e');
const ENV = { ...process.env, PROMPTSCOPE_STATE_DIR: STATE };

const COLLECTOR = 'http://127.0.0.1:4318';
const JAEGER = 'http://127.0.0.1:16686';
const PROMETHEUS = 'http://127.0.0.1:9090';
const ALERTMANAGER = 'http://127.0.0.1:9093';
const WEBHOOK_PORT = 9097;
const SERVICE = 'promptscope-demo';
const DEMO_CALLS = 80;
/** The demo's user segments (examples/demo/src/plan.mjs), every ticket in one of them. */
const DEMO_SEGMENTS = ['enterprise', 'free', 'pro'];
const CONTENT_KEYS =
  /^(gen_ai\.(input\.messages|output\.messages|system_instructions)|gen_ai\.(prompt|completion)\.\d+|gen_ai\.prompt\.variable\.)/;
// Up to 40 min for a cold build of the collector and Jaeger; a warm `up` takes seconds.
const UP_TIMEOUT_MS = 40 * 60_000;

type Run = { code: number | null; out: string };
type Notification = {
  status: string;
  commonLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string> }[];
};
type JaegerSpan = {
  traceID: string;
  spanID: string;
  tags: { key: string; value: unknown }[];
  processID: string;
  references?: { refType: string; spanID: string }[];
};
type Worst = {
  completions: {
    traceId: string;
    spanId: string;
    completionFound: boolean;
    score?: number;
    promptVersion?: string;
    traceUrl: string;
    traceApiUrl: string;
    feedback: { evaluation: string; score?: number; spanId: string }[];
  }[];
};
type JaegerTrace = {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { tags: { key: string; value: unknown }[] }>;
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = ENV, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${last}` : ''}`);
}

async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function promQuery(expr: string): Promise<unknown[]> {
  const body = await getJson<{ status: string; data: { result: unknown[] } }>(
    `${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

async function jaegerTraces(startUs: number): Promise<JaegerTrace[]> {
  const q = `service=${SERVICE}&limit=2000&start=${startUs}&end=${Date.now() * 1000 + 60_000_000}`;
  return (await getJson<{ data: JaegerTrace[] }>(`${JAEGER}/api/traces?${q}`)).data ?? [];
}

const tags = (span: JaegerSpan) => Object.fromEntries(span.tags.map((t) => [t.key, t.value]));
const parentOf = (span: JaegerSpan) => span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID;
const isEvaluation = (span: JaegerSpan) => span.tags.some((t) => t.key === 'gen_ai.evaluation.name');
const isGenAi = (span: JaegerSpan) => span.tags.some((t) => t.key === 'gen_ai.operation.name');
const isError = (span: JaegerSpan) =>
  span.tags.some(
    (t) => (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR'),
  );
const passOf = (trace: JaegerTrace, span: JaegerSpan) =>
  trace.processes[span.processID]?.tags.find((t) => t.key === 'promptscope.e2e.pass')?.value;

/** Runs examples/demo/src/app.mjs under the register hook, exporting through the collector (and `also`). */
function runApp(opts: {
  endpoint: string;
  baseUrl: string;
  calls: number;
  seed: number;
  env?: Record<string, string>;
}) {
  return run(
    process.execPath,
    ['--import', pathToFileURL(REGISTER_DIST).href, DEMO_APP],
    {
      ...ENV,
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_EXPORTER_OTLP_ENDPOINT: opts.endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OPENAI_BASE_URL: opts.baseUrl,
      OPENAI_API_KEY: 'sk-e2e-not-a-real-key',
      DEMO_CALLS: String(opts.calls),
      DEMO_SEED: String(opts.seed),
      ...opts.env,
    },
    120_000,
  );
}

/** Pids of the components, from the stack's pidfiles. */
function pids(): number[] {
  const dir = join(STATE, 'pids');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).pid as number);
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('native stack e2e (collector, Jaeger v2, Prometheus, Alertmanager)', () => {
  const notifications: Notification[] = [];
  let webhook: Server | undefined;
  let upOutput = '';
  let startUs = 0;
  let demoFailed = -1;
  let stackPids: number[] = [];
  let stopped = false;

  beforeAll(async () => {
    if (!existsSync(REGISTER_DIST)) throw new Error(`${REGISTER_DIST} missing: run npm run build first`);
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.method === 'POST') notifications.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      webhook?.once('error', (err) =>
        reject(new Error(`cannot listen on 127.0.0.1:${WEBHOOK_PORT} for the Alertmanager webhook: ${err.message}`)),
      );
      webhook?.listen(WEBHOOK_PORT, '127.0.0.1', () => resolve());
    });
    // a previous run that died before its afterAll may have left this state dir's processes running
    await run(process.execPath, [CLI, 'down'], ENV, 60_000);
    const t = Date.now();
    const up = await run(process.execPath, [CLI, 'up', '--fast'], ENV, UP_TIMEOUT_MS);
    upOutput = up.out;
    console.log(`[e2e] up --fast: ${((Date.now() - t) / 1000).toFixed(1)} s\n${up.out}`);
    if (up.code !== 0) throw new Error(`npm run stack -- up --fast failed (exit ${up.code}):\n${up.out}`);
    stackPids = pids();
    startUs = (Date.now() - 5000) * 1000;
  }, UP_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    if (!stopped) {
      const down = await run(process.execPath, [CLI, 'down'], ENV, 60_000);
      if (down.code !== 0) console.error(`[e2e] down failed:\n${down.out}`);
    }
    await new Promise((r) => (webhook ? webhook.close(r) : r(undefined)));
  }, 90_000);

  it('up reports every component healthy and status agrees', async () => {
    expect(upOutput).toMatch(/stack is up/);
    // the default: an agent in front of one gateway
    expect(stackPids).toHaveLength(5);
    const status = await run(process.execPath, [CLI, 'status']);
    expect(status.code, status.out).toBe(0);
    for (const c of ['agent', 'gateway-1', 'jaeger', 'prometheus', 'alertmanager'])
      expect(status.out).toMatch(new RegExp(`${c}\\s+\\d+`));
    const again = await run(process.execPath, [CLI, 'up', '--fast']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/already up/);
  }, 60_000);

  it('the demo runs against the collector and every error span survives tail sampling in Jaeger', async () => {
    const demo = await run(
      process.execPath,
      [DEMO, '--endpoint', COLLECTOR, '--calls', String(DEMO_CALLS)],
      ENV,
      120_000,
    );
    expect(demo.code, demo.out).toBe(0);
    expect(demo.out).not.toMatch(/export\(s\) to .* failed/);
    const m =
      /\[app\] (\d+) calls: (\d+) answered, (\d+) failed; (\d+) routed \((\d+) fell back\); (\d+) provider requests failed/.exec(
        demo.out,
      );
    expect(m, demo.out).not.toBeNull();
    expect(Number(m?.[3])).toBeGreaterThan(0);
    // the demo's traffic includes fallbacks (the dashboards' fallback panels need them)
    expect(Number(m?.[5])).toBeGreaterThan(0);
    // One error span per failed provider request: failed calls, and failed attempts of routed calls (also
    // those the route recovered from by a retry or a fallback).
    demoFailed = Number(m?.[6]);
    expect(demoFailed).toBeGreaterThanOrEqual(Number(m?.[3]));
    // every provider request is one GenAI span (a routed call's retries and fallback one each)
    const demoSpans = Number(/\[demo\] (\d+) spans/.exec(demo.out)?.[1]);
    expect(demoSpans).toBeGreaterThan(DEMO_CALLS);

    // errors are always sampled: wait until all of them are in Jaeger (decision_wait 2 s in --fast)
    const traces = await poll(
      `${demoFailed} error spans in Jaeger`,
      async () => {
        const t = await jaegerTraces(startUs);
        const errors = t.flatMap((tr) => tr.spans).filter((s) => isGenAi(s) && isError(s));
        return errors.length >= demoFailed ? t : undefined;
      },
      45_000,
    );
    await sleep(3000); // nothing more may arrive: the count must be exact, not merely at least
    const settled = await jaegerTraces(startUs);
    const spans = settled.flatMap((t) => t.spans).filter(isGenAi);
    expect(spans.filter(isError)).toHaveLength(demoFailed);
    // tail sampling dropped some successful traces (10 %), kept every error trace
    expect(spans.length).toBeLessThan(demoSpans);
    expect(traces.length).toBeGreaterThan(0);
    const models = new Set<string>();
    for (const span of spans) {
      const a = tags(span);
      models.add(`${a['gen_ai.provider.name']} ${a['gen_ai.request.model']}`);
      expect(a['gen_ai.prompt.name']).toBe('support-reply');
      expect(['1', '2']).toContain(String(a['gen_ai.prompt.version']));
      expect(Object.keys(a).filter((k) => CONTENT_KEYS.test(k))).toEqual([]);
    }
    // a fallback's trace is an error trace: it holds every provider the route tried
    expect([...models].sort()).toEqual([
      'anthropic claude-haiku-4-5',
      'gcp.gemini gemini-2.5-flash',
      'openai gpt-4o-mini',
    ]);
  }, 180_000);

  it('Prometheus holds the SDK metrics and spanmetrics, and every dashboard query returns data', async () => {
    await poll(
      'SDK metrics',
      async () => ((await promQuery('gen_ai_client_operation_duration_seconds_count')).length ? true : undefined),
      30_000,
    );
    await poll(
      'spanmetrics',
      async () =>
        (await promQuery('traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}')).length ? true : undefined,
      30_000,
    );
    const { allQueries } = await import(pathToFileURL(join(REPO, 'grafana-dashboards', 'queries.mjs')).href);
    const queries = (
      allQueries({
        substitute: {
          job: SERVICE,
          provider: 'openai',
          model: 'gpt-4o-mini',
          prompt: 'support-reply',
          version: '1|2',
          __range: '15m',
        },
      }) as { dashboard: string; panel: string; expr: string; requires: string[] }[]
    ).filter(
      (q) =>
        // empty unless promptscope or a collector fails
        !q.requires.includes('instrumentation-errors') &&
        !q.requires.includes('collector-failures') &&
        // test and replay runs: checked by the replay test, which makes them
        !q.requires.includes('eval-runs'),
    );
    expect(queries.length).toBeGreaterThan(10);
    let empty: string[] = [];
    await poll(
      'every dashboard query to return data',
      async () => {
        empty = [];
        for (const q of queries)
          if ((await promQuery(q.expr)).length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
        return empty.length === 0 ? true : undefined;
      },
      40_000,
      2000,
    ).catch(() => {
      throw new Error(`dashboard queries without data:\n${empty.join('\n')}`);
    });
  }, 120_000);

  it("the dashboards' provider and model variables offer every provider the demo called, Gemini included", async () => {
    // What the variables' label_values(...) queries return, asked of the same Prometheus.
    const values = async (label: string) =>
      (
        (await promQuery(`group by (${label}) (gen_ai_client_operation_duration_seconds_count{job="${SERVICE}"})`)) as {
          metric: Record<string, string>;
        }[]
      )
        .map((g) => g.metric[label])
        .sort();
    expect(await values('gen_ai_provider_name')).toEqual(['anthropic', 'gcp.gemini', 'openai']);
    expect(await values('gen_ai_request_model')).toEqual(['claude-haiku-4-5', 'gemini-2.5-flash', 'gpt-4o-mini']);
  });

  it("the segment panels return data for each of the demo's segments, and the segment label holds exactly those", async () => {
    for (const metric of ['promptscope_client_cost_usd_total', 'gen_ai_client_operation_duration_seconds_count']) {
      const groups = (await promQuery(`group by (promptscope_user_segment) (${metric}{job="${SERVICE}"})`)) as {
        metric: Record<string, string>;
      }[];
      // every demo call ran inside withSegment: no series without the label, none folded into "other"
      expect(groups.map((g) => g.metric.promptscope_user_segment).sort(), metric).toEqual(DEMO_SEGMENTS);
    }
    const { allQueries } = await import(pathToFileURL(join(REPO, 'grafana-dashboards', 'queries.mjs')).href);
    const empty: string[] = [];
    let checked = 0;
    for (const segment of DEMO_SEGMENTS) {
      const queries = (
        allQueries({
          substitute: { job: SERVICE, prompt: 'support-reply', version: '1|2', segment, __range: '15m' },
        }) as { dashboard: string; panel: string; kind: string; expr: string }[]
      ).filter((q) => q.dashboard === 'promptscope-segments' && q.kind === 'panel' && !/overflow/.test(q.expr));
      expect(queries.length).toBeGreaterThanOrEqual(8);
      for (const q of queries) {
        const result = (await promQuery(q.expr)) as { metric: Record<string, string> }[];
        checked++;
        if (result.length === 0) empty.push(`${segment}: ${q.panel}: ${q.expr}`);
        for (const r of result)
          if (r.metric.promptscope_user_segment !== undefined) expect(r.metric.promptscope_user_segment).toBe(segment);
      }
    }
    expect(empty).toEqual([]);
    console.log(`[e2e] Cost by segment: ${checked} queries returned data for ${DEMO_SEGMENTS.join(', ')}`);
  }, 60_000);

  it("promptscope worst lists the demo's negatively rated completions worst first, each with a trace link Jaeger answers", async () => {
    expect(existsSync(PROMPTSCOPE_CLI), `${PROMPTSCOPE_CLI} missing: run npm run build`).toBe(true);
    const { NEGATIVE_SCORE } = await import(pathToFileURL(join(REPO, 'examples', 'demo', 'src', 'summary.mjs')).href);
    const args = [
      PROMPTSCOPE_CLI,
      'worst',
      'support-reply',
      '--jaeger',
      JAEGER,
      '--service',
      SERVICE,
      '--json',
      '--since',
      '1h',
    ];
    const cli = await run(process.execPath, args, ENV, 60_000);
    expect(cli.code, cli.out).toBe(0);
    const worst = JSON.parse(cli.out) as Worst;
    const listed = worst.completions;
    expect(listed.length, cli.out).toBeGreaterThan(0);
    // worst first: scores never decrease, and the list starts with negative feedback (score <= 0.4)
    const scores = listed.map((c) => c.score as number);
    for (const s of scores) expect(typeof s).toBe('number');
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThanOrEqual(scores[i - 1]);
    expect(scores[0]).toBeLessThanOrEqual(NEGATIVE_SCORE);
    // every link works and holds what the CLI says it found
    for (const c of listed) {
      expect(c.traceUrl).toBe(`${JAEGER}/trace/${c.traceId}`);
      const res = await fetch(c.traceApiUrl, { signal: AbortSignal.timeout(10_000) });
      expect(res.status, c.traceApiUrl).toBe(200);
      const trace = ((await res.json()) as { data: JaegerTrace[] }).data[0];
      expect(trace?.traceID).toBe(c.traceId);
      const ids = new Set(trace.spans.map((sp) => sp.spanID));
      if (c.completionFound) {
        const completion = trace.spans.find((sp) => sp.spanID === c.spanId);
        expect(completion && isGenAi(completion), `completion span ${c.spanId} in ${c.traceApiUrl}`).toBe(true);
        expect(String(tags(completion as JaegerSpan)['gen_ai.prompt.version'])).toBe(c.promptVersion);
      }
      for (const f of c.feedback) expect(ids.has(f.spanId), `feedback span ${f.spanId} in ${c.traceApiUrl}`).toBe(true);
    }
    // The same from Jaeger directly: every rated completion whose trace survived tail sampling, by its lowest score.
    // The CLI lists the lowest 20 of them; the negative ones among those are exactly Jaeger's negative ones.
    const rated = new Map<string, number>();
    for (const t of await jaegerTraces(startUs))
      for (const sp of t.spans) {
        const a = tags(sp);
        const parent = parentOf(sp);
        if (!isEvaluation(sp) || parent === undefined || a['gen_ai.prompt.name'] !== 'support-reply') continue;
        const score = Number(a['gen_ai.evaluation.score.value']);
        if (!Number.isFinite(score)) continue;
        const key = `${t.traceID}/${parent}`;
        rated.set(key, Math.min(score, rated.get(key) ?? Number.POSITIVE_INFINITY));
      }
    const negative = [...rated].filter(([, s]) => s <= NEGATIVE_SCORE).map(([k]) => k);
    const listedNegative = listed
      .filter((c) => (c.score as number) <= NEGATIVE_SCORE)
      .map((c) => `${c.traceId}/${c.spanId}`);
    expect(negative.length).toBeGreaterThan(0);
    if (negative.length <= listed.length) expect(listedNegative.sort()).toEqual(negative.sort());
    else expect(listedNegative).toHaveLength(listed.length);
    console.log(
      `[e2e] promptscope worst: ${listed.length} listed, ${listedNegative.length} negative (score <= ${NEGATIVE_SCORE}); ` +
        `Jaeger holds ${rated.size} rated completions of the demo, ${negative.length} negative, ` +
        `${listed.filter((c) => !c.completionFound).length} listed without their completion span`,
    );
  }, 90_000);

  it("the dashboards' Jaeger trace searches find each version's failed completions and the thumbs-down ones", async () => {
    const { jaegerQueries } = await import(pathToFileURL(join(REPO, 'grafana-dashboards', 'queries.mjs')).href);
    type JQ = { panel: string; tags: Record<string, string>; url: (b: string, s: number, e: number) => string };
    const found = new Map<string, number>();
    for (const version of ['1', '2']) {
      // the error_type variable's values for this version (what Grafana lists), each searched
      const errorTypes = (
        (await promQuery(
          `group by (error_type) (gen_ai_client_operation_duration_seconds_count{job="${SERVICE}", gen_ai_prompt_name="support-reply", gen_ai_prompt_version="${version}", error_type!=""})`,
        )) as { metric: Record<string, string> }[]
      ).map((r) => r.metric.error_type);
      expect(errorTypes.length, `error types of version ${version}`).toBeGreaterThan(0);
      for (const errorType of errorTypes) {
        const queries = jaegerQueries({
          substitute: { service: SERVICE, prompt: 'support-reply', version, error_type: errorType },
        }) as JQ[];
        expect(queries.length).toBe(2);
        for (const q of queries) {
          const key =
            q.tags['error.type'] !== undefined ? `${q.panel} v${version} ${errorType}` : `${q.panel} v${version}`;
          if (found.has(key)) continue;
          const body = await getJson<{ data: JaegerTrace[] }>(q.url(JAEGER, startUs, Date.now() * 1000 + 60_000_000));
          const traces = body.data ?? [];
          found.set(key, traces.length);
          // each trace holds a span matching every tag of the search (what the panel promises)
          for (const t of traces) {
            const match = t.spans.some((sp) => {
              const a = tags(sp);
              return Object.entries(q.tags).every(([k, v]) => String(a[k]) === v);
            });
            expect(match, `${key}: trace ${t.traceID}`).toBe(true);
          }
          // failed completions are always sampled: every error type of every version has its traces
          if (q.tags['error.type'] !== undefined) expect(traces.length, key).toBeGreaterThan(0);
        }
      }
    }
    const thumbsDown = [...found].filter(([k]) => k.startsWith('Thumbs down')).reduce((a, [, n]) => a + n, 0);
    expect(thumbsDown, JSON.stringify([...found])).toBeGreaterThan(0);
    console.log(`[e2e] Jaeger trace searches: ${JSON.stringify(Object.fromEntries(found))}`);
  }, 60_000);

  it('captured message content never reaches Jaeger: the collector removes it', async () => {
    const receiver = await startOtlpReceiver();
    const fake = await startFakeProvider({ host: '127.0.0.1' });
    const { startTee } = await import(pathToFileURL(join(REPO, 'examples', 'demo', 'src', 'tee.mjs')).href);
    const { scenario } = await import(pathToFileURL(join(REPO, 'examples', 'demo', 'src', 'scenario.mjs')).href);
    const tee = await startTee(receiver.url, COLLECTOR);
    try {
      fake.script(scenario(3));
      const app = await runApp({
        endpoint: tee.url,
        baseUrl: fake.url,
        calls: 24,
        seed: 3,
        env: {
          OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
          OTEL_RESOURCE_ATTRIBUTES: 'promptscope.e2e.pass=capture',
        },
      });
      expect(app.code, app.out).toBe(0);
      await receiver.waitFor(
        () => receiver.spans().filter((s) => s.attributes['gen_ai.operation.name']).length >= 24,
        10_000,
      );
      const sent = receiver.spans().filter((s: FlatSpan) => s.attributes['gen_ai.operation.name'] !== undefined);
      // the app did capture content...
      const withContent = sent.filter((s) => Object.keys(s.attributes).some((k) => CONTENT_KEYS.test(k)));
      expect(withContent.length).toBeGreaterThan(0);
      const sentErrors = sent.filter((s) => s.status?.code === 2);
      expect(sentErrors.length).toBeGreaterThan(0);
      // ...and what Jaeger stores of the same traces has none of it
      const ids = new Set(sent.map((s) => s.traceId));
      const stored = await poll(
        'the capture pass error traces in Jaeger',
        async () => {
          const s = (await jaegerTraces(startUs))
            .filter((t) => ids.has(t.traceID))
            .flatMap((t) => t.spans.filter((sp) => isGenAi(sp) && passOf(t, sp) === 'capture'));
          return s.filter(isError).length >= sentErrors.length ? s : undefined;
        },
        30_000,
      );
      for (const span of stored) expect(Object.keys(tags(span)).filter((k) => CONTENT_KEYS.test(k))).toEqual([]);
      const contentIds = new Set(withContent.map((s) => s.spanId));
      expect(stored.some((s) => contentIds.has(s.spanID))).toBe(true);
    } finally {
      await tee.close();
      await fake.close();
      await receiver.close();
    }
  }, 120_000);

  let firedError: string | undefined;

  it('alerts fire into Alertmanager and reach the webhook', async () => {
    const firing = () =>
      notifications.filter((n) => n.status === 'firing').flatMap((n) => n.alerts.filter((a) => a.status === 'firing'));
    await poll(
      'an error alert and the cost alert at the webhook',
      async () => {
        const names = new Set(firing().map((a) => a.labels.alertname));
        return [...names].some((n) => /error/i.test(n)) && [...names].some((n) => /cost|budget|spend/i.test(n))
          ? true
          : undefined;
      },
      90_000,
    );
    const names = [...new Set(firing().map((a) => a.labels.alertname))];
    console.log(`[e2e] firing at the webhook: ${names.join(', ')}`);
    firedError = names.find((n) => /error/i.test(n));
    const active = await getJson<{ labels: Record<string, string>; status: { state: string } }[]>(
      `${ALERTMANAGER}/api/v2/alerts`,
    );
    expect(active.map((a) => a.labels.alertname)).toContain(firedError);
  }, 120_000);

  it("the segment budget alert fires for the demo's enterprise segment only (tiny budget in --fast)", async () => {
    const rules = await getJson<{
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    }>(`${PROMETHEUS}/api/v1/rules?type=alert`);
    const segmentRules = rules.data.groups
      .flatMap((g) => g.rules)
      .filter((r) => r.name === 'PromptscopeSegmentOverBudget');
    expect(segmentRules).toHaveLength(2); // enterprise's own budget, and the default for the others
    for (const r of segmentRules) expect(r.health, r.lastError).toBe('ok');
    const segmentAlerts = () =>
      notifications
        .filter((n) => n.status === 'firing')
        .flatMap((n) => n.alerts)
        .filter((a) => a.status === 'firing' && a.labels.alertname === 'PromptscopeSegmentOverBudget');
    await poll(
      'PromptscopeSegmentOverBudget for enterprise at the webhook',
      async () => (segmentAlerts().some((a) => a.labels.promptscope_user_segment === 'enterprise') ? true : undefined),
      60_000,
    );
    expect([...new Set(segmentAlerts().map((a) => a.labels.promptscope_user_segment))]).toEqual(['enterprise']);
    expect(segmentAlerts()[0].labels).toMatchObject({ job: SERVICE, budget: 'enterprise', severity: 'warning' });
  }, 90_000);

  it('the quality-drop alert fires for the canary prompt version, whose feedback is worse', async () => {
    // The demo's users like version 2 less (about 60 % negative feedback, against about 20 % for version 1).
    const rules = await getJson<{
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    }>(`${PROMETHEUS}/api/v1/rules?type=alert`);
    const rule = rules.data.groups.flatMap((g) => g.rules).find((r) => r.name === 'PromptscopeQualityDrop');
    expect(rule, 'PromptscopeQualityDrop is loaded').toBeDefined();
    const firing = await poll(
      'PromptscopeQualityDrop firing for version 2',
      async () => {
        const r = (await promQuery(
          `ALERTS{alertname="PromptscopeQualityDrop", alertstate="firing", job="${SERVICE}"}`,
        )) as { metric: Record<string, string> }[];
        return r.some((a) => a.metric.gen_ai_prompt_version === '2') ? r : undefined;
      },
      30_000,
    );
    expect(firing.map((a) => a.metric.gen_ai_prompt_version)).toEqual(['2']);
    expect(rule?.health, rule?.lastError).toBe('ok');
  }, 60_000);

  it('the error alert resolves after a phase without errors, and a resolved notification arrives', async () => {
    expect(firedError).toBeDefined();
    // Clean traffic keeps flowing (so PromptscopeTrafficStopped neither fires nor inhibits) until the
    // error alert resolves: one call every ~250 ms, bounded at 600 calls (~150 s).
    const fake = await startFakeProvider({ host: '127.0.0.1', defaultScript: { responseDelayMs: 250 } });
    const app = spawn(process.execPath, ['--import', pathToFileURL(REGISTER_DIST).href, DEMO_APP], {
      cwd: REPO,
      env: {
        ...ENV,
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_EXPORTER_OTLP_ENDPOINT: COLLECTOR,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_RESOURCE_ATTRIBUTES: 'promptscope.e2e.pass=clean',
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'sk-e2e-not-a-real-key',
        DEMO_CALLS: '600',
        DEMO_CONCURRENCY: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let appOut = '';
    app.stdout?.on('data', (d) => (appOut += d));
    app.stderr?.on('data', (d) => (appOut += d));
    const exited = new Promise((r) => app.on('exit', r));
    const t = Date.now();
    const seen = notifications.length;
    try {
      await poll(
        `a resolved notification for ${firedError}`,
        async () => {
          if (app.exitCode !== null) throw new Error(`the clean app exited early:\n${appOut}`);
          // the whole group resolved (every prompt version's instance), notified after the clean phase began
          return notifications
            .slice(seen)
            .some((n) => n.status === 'resolved' && n.commonLabels.alertname === firedError)
            ? true
            : undefined;
        },
        150_000,
      );
    } finally {
      if (app.exitCode === null) app.kill('SIGTERM');
      await exited;
      await fake.close();
    }
    expect(appOut).not.toMatch(/failed:/);
    console.log(`[e2e] ${firedError} resolved ${((Date.now() - t) / 1000).toFixed(0)} s after the clean phase`);
  }, 200_000);

  it('promptscope bank add turns production completions in Jaeger into test cases (content kept), and refuses stripped ones', async () => {
    await bankAddFromJaeger({ repo: REPO, jaeger: JAEGER, collector: COLLECTOR, run, env: ENV, startUs });
  }, 180_000);

  it("promptscope replay backtests v2 on v1's captured traffic in Jaeger: the script's counts, the deltas, linked spans, run metrics and the Prompt tests dashboard", async () => {
    await replayFromJaeger({ repo: REPO, jaeger: JAEGER, collector: COLLECTOR, run, env: ENV, promQuery });
  }, 240_000);

  it('down stops every process', async () => {
    expect(stackPids.length).toBe(5);
    const down = await run(process.execPath, [CLI, 'down'], ENV, 60_000);
    stopped = true;
    expect(down.code, down.out).toBe(0);
    expect(stackPids.filter(alive)).toEqual([]);
    expect(pids()).toEqual([]);
    const status = await run(process.execPath, [CLI, 'status']);
    expect(status.code).toBe(1);
    expect(status.out).toMatch(/not running/);
  }, 90_000);
});
