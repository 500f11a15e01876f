// The shipped collector configs, checked with the real slim collector built from collector-config/distribution:
// `validate` on every config (and a broken copy must fail), then collector.yaml running on loopback with test
// ports, asserting redaction, tail sampling and spanmetrics → remote write end to end. And docker-compose.yml
// through Debian's docker-compose 1.29 (`config -q`) when it is installed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, type OtlpReceiver, startOtlpReceiver } from '@promptscope/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildCollector, CONFIGS, cacheDir } from '../build.mjs';
import { type RemoteWriteReceiver, type RwSeries, startRemoteWriteReceiver } from './remote-write.js';

const configDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const overlay = join(configDir, 'test', 'overlay.test.yaml');
const SECRET = 'sk-proj-ABCDEF1234567890abcdef';
const ANTHROPIC_SECRET = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123';

let bin: string;
const tmp = mkdtempSync(join(tmpdir(), 'promptscope-collector-'));

beforeAll(async () => {
  bin = (await buildCollector({ log: (l: string) => process.stdout.write(`${l}\n`) })) as string;
}, 30 * 60_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function validate(configs: string[], env: Record<string, string> = {}) {
  const r = spawnSync(bin, ['validate', ...configs.map((c) => `--config=${c}`)], {
    env: { ...process.env, PROMPTSCOPE_TEST_OTLP_URL: 'http://127.0.0.1:1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('validate', () => {
  const sets: [string, string[]][] = [
    ['collector.yaml', [CONFIGS.production]],
    ['collector.yaml + collector.replay.yaml', [CONFIGS.production, CONFIGS.replay]],
    ['collector.yaml + test overlay', [CONFIGS.production, overlay]],
    ['collector.yaml + collector.replay.yaml + test overlay', [CONFIGS.production, CONFIGS.replay, overlay]],
    ['agent.yaml', [CONFIGS.agent]],
    ['agent.yaml + agent.dns.yaml', [CONFIGS.agent, CONFIGS.agentDns]],
    ['agent.yaml + agent.k8s.yaml', [CONFIGS.agent, CONFIGS.agentK8s]],
    ['agent.yaml + collector.replay.yaml', [CONFIGS.agent, CONFIGS.replay]],
    ['gateway.yaml', [CONFIGS.gateway]],
  ];
  for (const [name, configs] of sets) {
    it(`${name} passes the built collector's validate`, () => {
      const r = validate(configs);
      expect(r.output).not.toMatch(/error/i);
      expect(r.code, r.output).toBe(0);
    });
  }

  it('passes with PROMPTSCOPE_KEEP_CONTENT=true and other variables set', () => {
    const r = validate([CONFIGS.production], {
      PROMPTSCOPE_KEEP_CONTENT: 'true',
      PROMPTSCOPE_SAMPLING_PERCENTAGE: '0',
      PROMPTSCOPE_SLOW_THRESHOLD_MS: '2000',
      PROMPTSCOPE_TAIL_DECISION_WAIT: '1s',
    });
    expect(r.code, r.output).toBe(0);
  });

  it('agent.yaml takes its gateways as a list from PROMPTSCOPE_GATEWAYS; two resolvers at once are refused', () => {
    expect(
      validate([CONFIGS.agent], { PROMPTSCOPE_GATEWAYS: '[127.0.1.1:4317, 127.0.1.2:4317, 127.0.1.3:4317]' }).code,
    ).toBe(0);
    // the DNS overlay must remove the static list: without its `static: ~` both resolvers are set
    const both = join(tmp, `agent-dns-broken-${randomBytes(4).toString('hex')}.yaml`);
    writeFileSync(both, readFileSync(CONFIGS.agentDns, 'utf8').replaceAll(/^\s+static: ~.*\n/gm, ''));
    const r = validate([CONFIGS.agent, both]);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toMatch(/only one resolver should be specified/);
  });

  it('every config shares one definition of content removal, key masking and the memory limiter; the gateway the sampling and span metrics', () => {
    const load = (f: string) => parseYaml(readFileSync(f, 'utf8'));
    const [single, agent, gateway] = [CONFIGS.production, CONFIGS.agent, CONFIGS.gateway].map(load);
    for (const key of ['memory_limiter', 'transform/content', 'redaction']) {
      expect(agent.processors[key], `agent.yaml ${key}`).toEqual(single.processors[key]);
      expect(gateway.processors[key], `gateway.yaml ${key}`).toEqual(single.processors[key]);
    }
    expect(gateway.processors.tail_sampling).toEqual(single.processors.tail_sampling);
    const { exclude_dimensions, ...spanMetrics } = gateway.connectors.span_metrics;
    expect(spanMetrics).toEqual(single.connectors.span_metrics);
    expect(exclude_dimensions).toEqual(['collector.instance.id']);
    // the agent routes whole traces to one gateway, and both tiers queue on disk
    expect(agent.exporters['load_balancing/traces'].routing_key).toBe('traceID');
    expect(agent.exporters['load_balancing/traces'].sending_queue.storage).toBe('file_storage/queue');
    expect(gateway.exporters['otlp_grpc/jaeger'].sending_queue.storage).toBe('file_storage/queue');
    expect(gateway.exporters.prometheus_remote_write.resource_constant_labels.included).toContain(
      'promptscope.gateway',
    );
  });

  const broken: [string, (yaml: string) => string, RegExp][] = [
    ['an unknown key', (y) => y.replace('decision_wait:', 'decision_wayt:'), /decision_wayt/],
    ['an unknown component type', (y) => y.replace('  tail_sampling:\n', '  tail_samplingz:\n'), /tail_samplingz/],
    [
      'an invalid OTTL statement',
      (y) => y.replace('delete_matching_keys(span.attributes', 'delete_matching_keyz(span.attributes'),
      /delete_matching_keyz/,
    ],
    [
      'a pipeline naming an undefined exporter',
      (y) => y.replace('exporters: [otlp_grpc/jaeger]', 'exporters: [otlp_grpc/jaegr]'),
      /jaegr/,
    ],
  ];
  for (const [what, mutate, mentions] of broken) {
    it(`a copy with ${what} fails validate`, () => {
      const original = readFileSync(CONFIGS.production, 'utf8');
      const mutated = mutate(original);
      expect(mutated).not.toBe(original);
      const file = join(tmp, `broken-${randomBytes(4).toString('hex')}.yaml`);
      writeFileSync(file, mutated);
      const r = validate([file]);
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toMatch(mentions);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Running collector.yaml for real.

interface Running {
  proc: ChildProcess;
  output: () => string;
  otlpHttp: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

async function startCollector(
  env: Record<string, string>,
  configs: string[] = [CONFIGS.production, overlay],
): Promise<Running> {
  const [grpc, http, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
  let out = '';
  const proc = spawn(
    bin,
    configs.map((c) => `--config=${c}`),
    {
      env: {
        ...process.env,
        PROMPTSCOPE_OTLP_GRPC_LISTEN: `127.0.0.1:${grpc}`,
        PROMPTSCOPE_OTLP_HTTP_LISTEN: `127.0.0.1:${http}`,
        PROMPTSCOPE_HEALTH_CHECK_ENDPOINT: `127.0.0.1:${health}`,
        PROMPTSCOPE_COLLECTOR_METRICS_PORT: String(metrics),
        PROMPTSCOPE_JAEGER_OTLP_ENDPOINT: '127.0.0.1:1', // not used: the overlay swaps the trace exporter
        PROMPTSCOPE_TAIL_DECISION_WAIT: '1s',
        PROMPTSCOPE_SPANMETRICS_FLUSH_INTERVAL: '1s',
        PROMPTSCOPE_SAMPLING_PERCENTAGE: '0',
        PROMPTSCOPE_SLOW_THRESHOLD_MS: '2000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  const stop = async () => {
    if (proc.exitCode !== null || proc.pid === undefined) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    process.kill(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => proc.pid && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`collector exited with ${proc.exitCode}:\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${health}/`);
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`collector not healthy after 30 s:\n${out}`);
    }
    await sleep(100);
  }
  return {
    proc,
    output: () => out,
    otlpHttp: `http://127.0.0.1:${http}`,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    stop,
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const dbl = (key: string, value: number) => ({ key, value: { doubleValue: value } });

function genaiSpan(
  name: string,
  opts: { durationMs: number; error?: boolean; content?: boolean; events?: boolean; model: string },
) {
  const end = BigInt(Date.now()) * 1_000_000n;
  const start = end - BigInt(opts.durationMs) * 1_000_000n;
  const attributes = [
    str('gen_ai.operation.name', 'chat'),
    str('gen_ai.provider.name', 'openai'),
    str('gen_ai.request.model', opts.model),
    str('gen_ai.prompt.name', 'support-reply'),
    str('gen_ai.prompt.version', '2'),
    str('app.note', `called with key ${SECRET} today`),
    str('http.request.header.authorization', 'Bearer abcdefghijklmnop0123'),
    str('app.other_key', ANTHROPIC_SECRET),
  ];
  if (opts.error) attributes.push(str('error.type', '429'));
  if (opts.content) {
    attributes.push(
      str(
        'gen_ai.input.messages',
        JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `hi ${SECRET}` }] }]),
      ),
      str('gen_ai.output.messages', '[{"role":"assistant","parts":[{"type":"text","content":"hello"}]}]'),
      str('gen_ai.system_instructions', '[{"type":"text","content":"be nice"}]'),
      str('gen_ai.tool.definitions', '[{"type":"function","name":"lookup"}]'),
      str('gen_ai.tool.call.arguments', '{"q":"secret"}'),
      str('gen_ai.tool.call.result', '{"a":"secret"}'),
      str('gen_ai.prompt.0.content', 'legacy prompt'),
      str('gen_ai.prompt.variable.customer_name', 'Ada Lovelace'),
      str('gen_ai.prompt.variable.ticket', `my key is ${SECRET}`),
    );
  }
  return {
    traceId: hex(16),
    spanId: hex(8),
    name,
    kind: 3,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    attributes,
    events:
      opts.content && opts.events !== false
        ? [
            {
              name: 'gen_ai.client.inference.operation.details',
              timeUnixNano: end.toString(),
              attributes: [str('gen_ai.input.messages', '[{"role":"user"}]'), str('note', `key ${SECRET}`)],
            },
          ]
        : [],
    status: opts.error ? { code: 2, message: '429 Too Many Requests' } : { code: 0 },
  };
}

/** A completion span and its feedback span (`evaluation thumbs`, child of the completion) in one trace. */
function ratedCompletion(score: number) {
  const completion = genaiSpan(`chat rated-${score}`, { durationMs: 30, model: 'gpt-4o-mini' });
  const end = BigInt(Date.now()) * 1_000_000n;
  const feedback = {
    traceId: completion.traceId,
    spanId: hex(8),
    parentSpanId: completion.spanId,
    name: 'evaluation thumbs',
    kind: 1,
    startTimeUnixNano: end.toString(),
    endTimeUnixNano: (end + 1_000_000n).toString(),
    attributes: [str('gen_ai.evaluation.name', 'thumbs'), dbl('gen_ai.evaluation.score.value', score)],
    events: [],
    status: { code: 0 },
  };
  return [completion, feedback];
}

async function sendSpans(otlpHttp: string, spans: unknown[]) {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'collector-test'), str('deployment.environment.name', 'test')] },
        scopeSpans: [{ scope: { name: 'test' }, spans }],
      },
    ],
  };
  const res = await fetch(`${otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function waitUntil(pred: () => boolean, ms: number, what: () => string) {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await sleep(100);
  }
}

const find = (series: RwSeries[], name: string, labels: Record<string, string> = {}) =>
  series.filter((s) => s.labels.__name__ === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const latest = (s: RwSeries) => s.samples.at(-1)?.value ?? Number.NaN;

describe('collector.yaml running on loopback (content removed by default)', () => {
  let collector: Running;
  let traces: OtlpReceiver;
  let rw: RemoteWriteReceiver;

  beforeAll(async () => {
    traces = await startOtlpReceiver();
    rw = await startRemoteWriteReceiver();
    collector = await startCollector({
      PROMPTSCOPE_TEST_OTLP_URL: traces.url,
      PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: rw.url,
    });
    await sendSpans(collector.otlpHttp, [
      genaiSpan('chat error-call', { durationMs: 40, error: true, content: true, model: 'gpt-4o-mini' }),
      genaiSpan('chat fast-ok-call', { durationMs: 50, content: true, model: 'gpt-4o-mini' }),
      genaiSpan('chat slow-ok-call', { durationMs: 3000, model: 'gpt-4o' }),
      // A fast, successful completion with negative feedback: kept for `promptscope worst`.
      ...ratedCompletion(0),
      // The same with positive feedback: left to the probabilistic share (0 here), so dropped.
      ...ratedCompletion(1),
      // Content on a span without events (what promptscope's spans look like) must go too.
      genaiSpan('chat error-call-no-events', {
        durationMs: 40,
        error: true,
        content: true,
        events: false,
        model: 'gpt-4o-mini',
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    await traces?.close();
    await rw?.close();
  });

  it('keeps error, slow and negatively rated traces, drops the other fast ok ones (probabilistic share 0)', async () => {
    await traces.waitFor(() => traces.spans().length >= 5, 20_000);
    // Well past decision_wait (1 s): the fast span had its decision and was not sent.
    await sleep(3000);
    const names = traces
      .spans()
      .map((s) => s.name)
      .sort();
    expect(names, collector.output()).toEqual([
      'chat error-call',
      'chat error-call-no-events',
      'chat rated-0',
      'chat slow-ok-call',
      'evaluation thumbs',
    ]);
  }, 30_000);

  it('removes captured content and masks API keys in what it keeps', async () => {
    await traces.waitFor(() => traces.spans().some((s) => s.name === 'chat error-call'), 20_000);
    const span = traces.spans().find((s) => s.name === 'chat error-call');
    if (!span) throw new Error('no error span');
    for (const key of [
      'gen_ai.input.messages',
      'gen_ai.output.messages',
      'gen_ai.system_instructions',
      'gen_ai.tool.definitions',
      'gen_ai.tool.call.arguments',
      'gen_ai.tool.call.result',
      'gen_ai.prompt.0.content',
      'gen_ai.prompt.variable.customer_name',
      'gen_ai.prompt.variable.ticket',
    ]) {
      expect(span.attributes, key).not.toHaveProperty([key]);
    }
    expect(span.attributes['gen_ai.prompt.name']).toBe('support-reply');
    expect(span.attributes['gen_ai.prompt.version']).toBe('2');
    expect(span.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
    expect(span.attributes['error.type']).toBe('429');
    expect(span.attributes['app.note']).toBe('called with key **** today');
    expect(span.attributes['app.other_key']).toBe('****');
    expect(String(span.attributes['http.request.header.authorization'])).not.toContain('abcdefghijklmnop0123');
    const bare = traces.spans().find((s) => s.name === 'chat error-call-no-events');
    expect(bare?.events).toHaveLength(0);
    expect(bare?.attributes).not.toHaveProperty(['gen_ai.input.messages']);
    expect(bare?.attributes).not.toHaveProperty(['gen_ai.output.messages']);
    expect(span.events).toHaveLength(1);
    expect(span.events[0].attributes).not.toHaveProperty(['gen_ai.input.messages']);
    expect(span.events[0].attributes.note).toBe('key ****');
    // Not one byte of a secret or of content left the collector.
    for (const req of traces.requests) {
      const body = req.body.toString('latin1');
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(ANTHROPIC_SECRET);
      expect(body).not.toContain('be nice');
      expect(body).not.toContain('Ada Lovelace');
    }
  }, 30_000);

  it('spanmetrics count ALL spans (before sampling) and reach remote write with GenAI labels and exemplars', async () => {
    const calls = 'traces_span_metrics_calls_total';
    const buckets = 'traces_span_metrics_duration_seconds_bucket';
    // Sum over distinct series (label sets) of each one's latest sample.
    const sum = (series: RwSeries[]) => {
      const byLabels = new Map<string, number>();
      for (const s of series) byLabels.set(JSON.stringify(Object.entries(s.labels).sort()), latest(s));
      return [...byLabels.values()].reduce((a, b) => a + b, 0);
    };
    const total = () => ['gpt-4o-mini', 'gpt-4o'].map((m) => sum(find(rw.series, calls, { gen_ai_request_model: m })));
    await waitUntil(
      () => {
        const [mini, full] = total();
        return mini === 5 && full === 1;
      },
      20_000,
      () =>
        `calls series; got ${JSON.stringify([...new Set(rw.series.map((s) => s.labels.__name__))])} errors=${rw.errors.join(';')}\n${collector.output()}`,
    );

    const errorSeries = find(rw.series, calls, { status_code: 'STATUS_CODE_ERROR', span_name: 'chat error-call' });
    expect(errorSeries.length).toBeGreaterThan(0);
    expect(errorSeries[0].labels).toMatchObject({
      job: 'collector-test',
      service_name: 'collector-test',
      span_name: 'chat error-call',
      span_kind: 'SPAN_KIND_CLIENT',
      gen_ai_provider_name: 'openai',
      gen_ai_operation_name: 'chat',
      gen_ai_request_model: 'gpt-4o-mini',
      gen_ai_prompt_name: 'support-reply',
      gen_ai_prompt_version: '2',
      error_type: '429',
      deployment_environment_name: 'test',
    });
    // The fast ok span was dropped by tail sampling but is still counted.
    expect(find(rw.series, calls, { span_name: 'chat fast-ok-call' }).length).toBeGreaterThan(0);

    // Duration histogram in seconds: the 3 s span is above le=2.56 and within le=5.12.
    const slow = find(rw.series, buckets, { span_name: 'chat slow-ok-call' });
    const le = (v: string) =>
      slow
        .filter((s) => s.labels.le === v)
        .map(latest)
        .at(-1);
    expect(le('2.56')).toBe(0);
    expect(le('5.12')).toBe(1);
    expect(le('+Inf')).toBe(1);
    expect(find(rw.series, 'traces_span_metrics_duration_seconds_count').length).toBeGreaterThan(0);
    expect(find(rw.series, 'traces_span_metrics_duration_seconds_sum').length).toBeGreaterThan(0);
    expect(find(rw.series, 'target_info').length).toBeGreaterThan(0);

    const exemplars = rw.series.filter((s) => s.labels.__name__ === buckets).flatMap((s) => s.exemplars);
    expect(exemplars.length).toBeGreaterThan(0);
    expect(exemplars[0].labels.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(exemplars[0].labels.span_id).toMatch(/^[0-9a-f]{16}$/);
  }, 30_000);

  it('forwards app metrics to remote write with unit suffixes (names the dashboards use)', async () => {
    const now = (BigInt(Date.now()) * 1_000_000n).toString();
    const attrs = [str('gen_ai.request.model', 'gpt-4o-mini'), str('gen_ai.prompt.version', '2')];
    const histogram = (name: string, unit: string, sum: number) => ({
      name,
      unit,
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            attributes: attrs,
            startTimeUnixNano: now,
            timeUnixNano: now,
            count: '1',
            sum,
            bucketCounts: ['0', '1'],
            explicitBounds: [1],
          },
        ],
      },
    });
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [str('service.name', 'metrics-app')] },
          scopeMetrics: [
            {
              scope: { name: '@promptscope/core' },
              metrics: [
                histogram('gen_ai.client.operation.duration', 's', 1.5),
                histogram('gen_ai.client.token.usage', '{token}', 42),
                {
                  name: 'promptscope.client.cost_usd',
                  unit: '{USD}',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [{ attributes: attrs, startTimeUnixNano: now, timeUnixNano: now, asDouble: 0.002 }],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${collector.otlpHttp}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const names = () => new Set(rw.series.filter((s) => s.labels.job === 'metrics-app').map((s) => s.labels.__name__));
    await waitUntil(
      () => names().has('promptscope_client_cost_usd_total'),
      15_000,
      () => `app metrics; got ${[...names()].join(', ')}`,
    );
    expect([...names()].sort()).toEqual(
      expect.arrayContaining([
        'gen_ai_client_operation_duration_seconds_bucket',
        'gen_ai_client_operation_duration_seconds_count',
        'gen_ai_client_operation_duration_seconds_sum',
        'gen_ai_client_token_usage_bucket',
        'promptscope_client_cost_usd_total',
      ]),
    );
    const p = find(rw.series, 'gen_ai_client_operation_duration_seconds_bucket', { job: 'metrics-app', le: '1' })[0];
    expect(p.labels).toMatchObject({
      gen_ai_request_model: 'gpt-4o-mini',
      gen_ai_prompt_version: '2',
      service_name: 'metrics-app',
    });
  }, 30_000);

  it('serves its own metrics on the self-telemetry port', async () => {
    const res = await fetch(collector.metricsUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/otelcol_receiver_accepted_spans/);
  });
});

describe('collector.yaml with PROMPTSCOPE_KEEP_CONTENT=true', () => {
  let collector: Running;
  let traces: OtlpReceiver;
  let rw: RemoteWriteReceiver;

  beforeAll(async () => {
    traces = await startOtlpReceiver();
    rw = await startRemoteWriteReceiver();
    collector = await startCollector({
      PROMPTSCOPE_TEST_OTLP_URL: traces.url,
      PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: rw.url,
      PROMPTSCOPE_KEEP_CONTENT: 'true',
      PROMPTSCOPE_SAMPLING_PERCENTAGE: '100',
    });
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    await traces?.close();
    await rw?.close();
  });

  it('keeps the content attributes but still masks keys inside them', async () => {
    await sendSpans(collector.otlpHttp, [
      genaiSpan('chat kept', { durationMs: 30, content: true, model: 'gpt-4o-mini' }),
    ]);
    await traces.waitFor(() => traces.spans().length >= 1, 20_000);
    const span = traces.spans()[0];
    expect(span.attributes['gen_ai.system_instructions']).toBe('[{"type":"text","content":"be nice"}]');
    expect(span.attributes['gen_ai.tool.call.arguments']).toBe('{"q":"secret"}');
    expect(span.attributes['gen_ai.prompt.variable.customer_name']).toBe('Ada Lovelace');
    expect(span.attributes['gen_ai.prompt.variable.ticket']).toBe('my key is ****');
    expect(String(span.attributes['gen_ai.input.messages'])).toContain('hi ****');
    expect(String(span.attributes['gen_ai.input.messages'])).not.toContain(SECRET);
    expect(span.events[0].attributes).toHaveProperty(['gen_ai.input.messages']);
  }, 30_000);
});

describe('collector.yaml + collector.replay.yaml', () => {
  let collector: Running;
  let traces: OtlpReceiver;
  let rw: RemoteWriteReceiver;
  const replayFile = join(tmp, 'replay', 'spans.jsonl');

  beforeAll(async () => {
    traces = await startOtlpReceiver();
    rw = await startRemoteWriteReceiver();
    collector = await startCollector(
      {
        PROMPTSCOPE_TEST_OTLP_URL: traces.url,
        PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: rw.url,
        PROMPTSCOPE_REPLAY_FILE: replayFile,
      },
      [CONFIGS.production, CONFIGS.replay, overlay],
    );
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    await traces?.close();
    await rw?.close();
  });

  it('writes every span, with its content and masked keys, to the OTLP JSON replay file', async () => {
    await sendSpans(collector.otlpHttp, [
      genaiSpan('chat replayed', { durationMs: 30, content: true, model: 'gpt-4o-mini' }),
    ]);
    await waitUntil(
      () => existsSync(replayFile) && readFileSync(replayFile, 'utf8').includes('chat replayed'),
      15_000,
      () => `the replay file ${replayFile}\n${collector.output()}`,
    );
    const lines = readFileSync(replayFile, 'utf8').trim().split('\n');
    const request = JSON.parse(lines[0]);
    const span = request.resourceSpans[0].scopeSpans[0].spans[0];
    const attrs = Object.fromEntries(
      span.attributes.map((a: { key: string; value: { stringValue?: string } }) => [a.key, a.value.stringValue]),
    );
    expect(span.name).toBe('chat replayed');
    expect(attrs['gen_ai.input.messages']).toContain('hi ****');
    expect(attrs['gen_ai.system_instructions']).toBe('[{"type":"text","content":"be nice"}]');
    expect(readFileSync(replayFile, 'utf8')).not.toContain(SECRET);
    // The sampled leg still strips content (probabilistic share 0, so this fast ok span is not sampled at all).
    await sleep(2500);
    expect(traces.spans()).toHaveLength(0);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml: Debian's docker-compose 1.29.2 validates it offline.

const composeAvailable = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!composeAvailable)('docker-compose.yml', () => {
  const compose = join(repoRoot, 'docker-compose.yml');
  const check = (file: string) =>
    spawnSync('docker-compose', ['-f', file, '--project-directory', repoRoot, 'config', '-q'], {
      encoding: 'utf8',
      cwd: repoRoot,
      timeout: 60_000,
    });

  it('passes docker-compose config -q', () => {
    const r = check(compose);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('a broken copy fails docker-compose config -q', () => {
    const file = join(tmp, 'docker-compose.broken.yml');
    writeFileSync(
      file,
      readFileSync(compose, 'utf8').replace(
        '    image: jaegertracing/jaeger:2.13.0',
        '    imagez: jaegertracing/jaeger:2.13.0',
      ),
    );
    const r = check(file);
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/imagez/);
  });

  it.skipIf(spawnSync('promtool', ['--version']).status !== 0)(
    'its Prometheus config passes promtool check config',
    () => {
      const r = spawnSync('promtool', ['check', 'config', join(repoRoot, 'collector-config/compose/prometheus.yml')], {
        encoding: 'utf8',
      });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    },
  );

  // The stack runner (stack/build-jaeger.mjs) caches a Jaeger v1.76.0 (= 2.13.0) binary; use it when present.
  const jaegerBin = (() => {
    const dir = join(cacheDir() as string, 'bin');
    const name = existsSync(dir) ? readdirSync(dir).find((n) => /^jaeger-v1\.76\.0-[0-9a-f]+$/.test(n)) : undefined;
    return name ? join(dir, name) : undefined;
  })();
  it.skipIf(!jaegerBin)('its Jaeger config passes jaeger validate', () => {
    const r = spawnSync(jaegerBin as string, ['validate', `--config=${join(configDir, 'compose', 'jaeger.yaml')}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('pins the images, runs the collector with the shipped config, and mounts sources that exist in the repo', () => {
    const text = readFileSync(compose, 'utf8');
    expect(text).toContain('image: otel/opentelemetry-collector-contrib:0.161.0');
    expect(text).toContain('image: jaegertracing/jaeger:2.13.0');
    expect(text).toContain('--web.enable-remote-write-receiver');
    expect(text).toContain('--enable-feature=exemplar-storage');
    for (const image of text.matchAll(/^\s+image:\s*(\S+)$/gm)) expect(image[1]).toMatch(/:[^:]+$/);
    const ours = [
      'collector-config',
      'collector-config/compose/jaeger.yaml',
      'collector-config/compose/prometheus.yml',
    ];
    for (const p of ours) expect(existsSync(join(repoRoot, p)), p).toBe(true);
  });

  it('runs the two tiers and keeps every state in a named volume: queues, Badger traces, the TSDB', () => {
    const r = spawnSync('docker-compose', ['-f', compose, '--project-directory', repoRoot, 'config'], {
      encoding: 'utf8',
      cwd: repoRoot,
    });
    const cfg = parseYaml(r.stdout);
    expect(Object.keys(cfg.volumes).sort()).toEqual(
      ['agent-data', 'gateway-1-data', 'gateway-2-data', 'grafana-data', 'jaeger-data', 'prometheus-data'].sort(),
    );
    const mount = (svc: string) => (cfg.services[svc].volumes as string[]).find((v) => !v.includes('/etc/'));
    expect(mount('agent')).toMatch(/^agent-data:\/var\/lib\/promptscope/);
    expect(mount('jaeger')).toMatch(/^jaeger-data:\/var\/lib\/jaeger/);
    expect(mount('prometheus')).toMatch(/^prometheus-data:\/prometheus/);
    expect(cfg.services.agent.command).toEqual(['--config=/etc/promptscope/agent.yaml']);
    expect(cfg.services.agent.environment.PROMPTSCOPE_GATEWAYS).toBe('[gateway-1:4317, gateway-2:4317]');
    for (const g of ['gateway-1', 'gateway-2']) {
      expect(cfg.services[g].command).toEqual(['--config=/etc/promptscope/gateway.yaml']);
      expect(cfg.services[g].environment.PROMPTSCOPE_GATEWAY_ID).toBe(g);
      expect(mount(g)).toMatch(new RegExp(`^${g}-data:/var/lib/promptscope`));
    }
    expect(cfg.services.prometheus.command).toContain('--storage.tsdb.retention.time=15d');
    const jaeger = parseYaml(readFileSync(join(configDir, 'compose', 'jaeger.yaml'), 'utf8'));
    expect(jaeger.extensions.jaeger_storage.backends.main.badger.directories.keys).toBe('/var/lib/jaeger/keys');
  });
});
