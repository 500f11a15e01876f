// Synthetic promptscope telemetry as Prometheus stores it (collector -> prometheusremotewrite), one hour at
// 15 s steps, in OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`. Metric names are
// written out literally (not imported from src/metrics.mjs) so a renamed metric fails the test.

const STEP = 15;
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const FEEDBACK_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 10];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

type Labels = Record<string, string>;
const fmt = (labels: Labels) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

class Families {
  private families = new Map<string, { type: string; lines: string[] }>();
  constructor(private readonly timestamps: number[]) {}

  /** A counter: `perStep(i)` is the increase at step i. */
  counter(family: string, labels: Labels, perStep: (i: number) => number) {
    const f = this.family(family, 'counter');
    let v = 0;
    for (const [i, t] of this.timestamps.entries()) {
      v += perStep(i);
      f.push(`${family}_total${fmt(labels)} ${round(v)} ${t}`);
    }
  }

  /** A classic histogram: `calls(i)` observations of `value` at step i. */
  histogram(family: string, labels: Labels, buckets: number[], value: number, calls: (i: number) => number) {
    const f = this.family(family, 'histogram');
    const les = [...buckets.map(String), '+Inf'];
    const series = (suffix: string, extra: Labels, inc: (n: number) => number) => {
      let v = 0;
      for (const [i, t] of this.timestamps.entries()) {
        v += inc(calls(i));
        f.push(`${family}_${suffix}${fmt({ ...labels, ...extra })} ${round(v)} ${t}`);
      }
    };
    for (const le of les) series('bucket', { le }, (n) => (le === '+Inf' || value <= Number(le) ? n : 0));
    series('sum', {}, (n) => n * value);
    series('count', {}, (n) => n);
  }

  /** A classic histogram of several values per step: `values(i)` are the observations at step i. */
  mixed(family: string, labels: Labels, buckets: number[], values: (i: number) => number[]) {
    const f = this.family(family, 'histogram');
    const les = [...buckets.map(String), '+Inf'];
    const series = (suffix: string, extra: Labels, inc: (obs: number[]) => number) => {
      let v = 0;
      for (const [i, t] of this.timestamps.entries()) {
        v += inc(values(i));
        f.push(`${family}_${suffix}${fmt({ ...labels, ...extra })} ${round(v)} ${t}`);
      }
    };
    for (const le of les) series('bucket', { le }, (obs) => obs.filter((x) => le === '+Inf' || x <= Number(le)).length);
    series('sum', {}, (obs) => obs.reduce((a, b) => a + b, 0));
    series('count', {}, (obs) => obs.length);
  }

  /**
   * A series stored under its own name (OpenMetrics type `unknown`): the collectors' own counters carry no `_total`
   * and their gauges are gauges. `value(i)` is the value at step i.
   */
  plain(family: string, labels: Labels, value: (i: number) => number) {
    const f = this.family(family, 'unknown');
    for (const [i, t] of this.timestamps.entries()) f.push(`${family}${fmt(labels)} ${round(value(i))} ${t}`);
  }

  /**
   * One sample per series at time `t`: what a one-shot process (a test or replay run) exports once, at its end.
   * `counters` are written with `_total`; `histograms` as `_bucket`/`_sum`/`_count` of the observations.
   */
  once(
    t: number,
    labels: Labels,
    counters: [family: string, extra: Labels, value: number][],
    histograms: [family: string, extra: Labels, observations: number[]][] = [],
  ) {
    for (const [family, extra, value] of counters)
      this.family(family, 'counter').push(`${family}_total${fmt({ ...labels, ...extra })} ${round(value)} ${t}`);
    for (const [family, extra, obs] of histograms) {
      const f = this.family(family, 'histogram');
      const l = { ...labels, ...extra };
      for (const le of [...DURATION_BUCKETS.map(String), '+Inf'])
        f.push(
          `${family}_bucket${fmt({ ...l, le })} ${obs.filter((x) => le === '+Inf' || x <= Number(le)).length} ${t}`,
        );
      f.push(`${family}_sum${fmt(l)} ${round(obs.reduce((a, b) => a + b, 0))} ${t}`);
      f.push(`${family}_count${fmt(l)} ${obs.length} ${t}`);
    }
  }

  text() {
    const out: string[] = [];
    for (const [name, { type, lines }] of this.families) out.push(`# TYPE ${name} ${type}`, ...lines);
    return `${out.join('\n')}\n# EOF\n`;
  }

  private family(name: string, type: string) {
    if (!this.families.has(name)) this.families.set(name, { type, lines: [] });
    return this.families.get(name)!.lines;
  }
}

const round = (v: number) => Number(v.toPrecision(12));

/** @returns the OpenMetrics text and the last timestamp (seconds) to query at. */
export function fixture(end = Math.floor(Date.now() / 1000 / STEP) * STEP - 60) {
  const timestamps = Array.from({ length: 240 }, (_, i) => end - (239 - i) * STEP);
  const m = new Families(timestamps);
  const base = {
    job: 'demo',
    gen_ai_operation_name: 'chat',
    gen_ai_provider_name: 'openai',
    gen_ai_request_model: 'gpt-4o-mini',
    gen_ai_response_model: 'gpt-4o-mini-2024-07-18',
    server_address: '127.0.0.1',
    server_port: '8080',
    service_name: 'demo',
  };
  const every =
    (n: number, k = 1) =>
    (i: number) =>
      i % n === 0 ? k : 0;
  for (const [version, latency] of [
    ['1', 0.5],
    ['2', 0.9],
  ] as const) {
    // User segments (withSegment): version 1's calls are for `free` users, version 2's for `enterprise` ones,
    // whose calls cost 3 times as much.
    const segment = version === '1' ? 'free' : 'enterprise';
    const l = {
      ...base,
      gen_ai_prompt_name: 'support-reply',
      gen_ai_prompt_version: version,
      promptscope_user_segment: segment,
    };
    const ok = () => 3;
    m.histogram('gen_ai_client_operation_duration_seconds', l, DURATION_BUCKETS, latency, ok);
    m.histogram(
      'gen_ai_client_operation_duration_seconds',
      { ...l, error_type: '429' },
      DURATION_BUCKETS,
      0.1,
      every(4),
    );
    m.histogram('gen_ai_client_operation_duration_seconds', { ...l, error_type: '500' }, DURATION_BUCKETS, 2, every(8));
    m.histogram('gen_ai_client_token_usage', { ...l, gen_ai_token_type: 'input' }, TOKEN_BUCKETS, 100, ok);
    m.histogram('gen_ai_client_token_usage', { ...l, gen_ai_token_type: 'output' }, TOKEN_BUCKETS, 200, ok);
    m.histogram('gen_ai_client_operation_time_to_first_chunk_seconds', l, DURATION_BUCKETS, latency / 3, ok);
    m.histogram('gen_ai_client_operation_time_per_output_chunk_seconds', l, DURATION_BUCKETS, 0.01, ok);
    m.counter('promptscope_client_cost_usd', l, () => 3 * (segment === 'free' ? 0.0003 : 0.0009));
    const span = {
      job: 'demo',
      service_name: 'demo',
      span_name: 'chat gpt-4o-mini',
      span_kind: 'SPAN_KIND_CLIENT',
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'gpt-4o-mini',
      gen_ai_prompt_name: 'support-reply',
      gen_ai_prompt_version: version,
    };
    // Feedback (@promptscope/feedback): labelled with the response model, no provider. Per 4 steps: v1 gets
    // 3 thumbs up and 1 down, v2 2 up and 2 down; both 2 implicit signals (accepted 1, regenerated 0).
    const fb = {
      job: 'demo',
      gen_ai_prompt_name: 'support-reply',
      gen_ai_prompt_version: version,
      gen_ai_response_model: 'gpt-4o-mini-2024-07-18',
    };
    const thumbs = { ...fb, gen_ai_evaluation_name: 'thumbs', promptscope_feedback_kind: 'explicit' };
    const implicit = { ...fb, gen_ai_evaluation_name: 'implicit', promptscope_feedback_kind: 'implicit' };
    const down = version === '1' ? 1 : 2;
    const each4 = (obs: number[]) => (i: number) => (i % 4 === 0 ? obs : []);
    m.mixed(
      'promptscope_feedback_score',
      thumbs,
      FEEDBACK_BUCKETS,
      each4(version === '1' ? [1, 1, 1, 0] : [1, 1, 0, 0]),
    );
    m.mixed('promptscope_feedback_score', implicit, FEEDBACK_BUCKETS, each4([1, 0]));
    m.counter('promptscope_feedback_count', { ...thumbs, gen_ai_evaluation_score_label: 'pass' }, every(4, 4 - down));
    m.counter('promptscope_feedback_count', { ...thumbs, gen_ai_evaluation_score_label: 'fail' }, every(4, down));
    m.counter('promptscope_feedback_count', { ...implicit, gen_ai_evaluation_score_label: 'accepted' }, every(4));
    m.counter('promptscope_feedback_count', { ...implicit, gen_ai_evaluation_score_label: 'regenerated' }, every(4));
    // Two gateways, each seeing the same share of the spans: the span-metric panels must show their sum.
    for (const promptscope_gateway of ['gateway-1', 'gateway-2']) {
      const gw = { ...span, promptscope_gateway };
      m.counter('traces_span_metrics_calls', { ...gw, status_code: 'STATUS_CODE_UNSET' }, ok);
      m.counter('traces_span_metrics_calls', { ...gw, status_code: 'STATUS_CODE_ERROR', error_type: '429' }, every(4));
      m.histogram(
        'traces_span_metrics_duration_seconds',
        { ...gw, status_code: 'STATUS_CODE_UNSET' },
        DURATION_BUCKETS,
        latency,
        ok,
      );
      m.histogram(
        'traces_span_metrics_duration_seconds',
        { ...gw, status_code: 'STATUS_CODE_ERROR', error_type: '429' },
        DURATION_BUCKETS,
        0.1,
        every(4),
      );
    }
  }
  // A call outside any prompt (no prompt labels), with a model that has no price.
  const noPrompt = { ...base, gen_ai_request_model: 'my-llama', gen_ai_response_model: 'my-llama' };
  m.histogram('gen_ai_client_operation_duration_seconds', noPrompt, DURATION_BUCKETS, 1.5, every(2));
  m.counter('promptscope_client_unpriced_calls', noPrompt, every(2));
  m.counter('promptscope_instrumentation_errors', { job: 'demo', stage: 'stream' }, every(10));
  // The segment cardinality guard folded a call into "other" every 10 steps (job label only).
  m.counter('promptscope_segment_overflow', { job: 'demo' }, every(10));
  // A fallback route (createRoute): OpenAI first, then Anthropic. Its counters carry job and route labels only
  // (provider errors also gen_ai_provider_name). Per 4 steps: 4 routed calls; 1 answered after a retry, 1 fell
  // back after two 503s.
  const route = { job: 'demo', promptscope_route_name: 'support-reply' };
  const attempts = (target: string, kind: string, outcome: string, perStep: (i: number) => number) =>
    m.counter(
      'promptscope_route_attempts',
      {
        ...route,
        promptscope_route_target: target,
        promptscope_attempt_kind: kind,
        promptscope_attempt_outcome: outcome,
      },
      perStep,
    );
  attempts('openai', 'initial', 'success', every(4, 2));
  attempts('openai', 'initial', 'error', every(4, 2));
  attempts('openai', 'retry', 'success', every(4));
  attempts('openai', 'retry', 'error', every(4));
  attempts('anthropic', 'fallback', 'success', every(4));
  m.counter(
    'promptscope_provider_errors',
    { ...route, promptscope_route_target: 'openai', gen_ai_provider_name: 'openai', error_type: '503' },
    every(4, 3),
  );
  m.counter(
    'promptscope_route_fallbacks',
    {
      ...route,
      promptscope_fallback_from: 'openai',
      promptscope_fallback_to: 'anthropic',
      promptscope_fallback_reason: 'retries_exhausted',
    },
    every(4),
  );
  // Test and replay runs (promptscope test / replay): one service instance per run, one sample per series, at the
  // run's end. A test run of v2 30 s before the end (2 passed, 1 failed), a replay of v2 45 s before it (1 improved,
  // 1 regressed, 2 unchanged, 1 skipped; the judge preferred each side once) and an older replay of v1.
  const run = (job: string, instance: string, candidate: string, kind: string) => ({
    job,
    instance,
    service_name: job,
    gen_ai_prompt_name: 'support-reply',
    promptscope_eval_candidate: candidate,
    promptscope_run_kind: kind,
  });
  const outcome = (o: string) => ({ promptscope_eval_outcome: o });
  const side = (s: string) => ({ promptscope_eval_side: s });
  m.once(
    end - 30,
    run('promptscope-test', 'run-test-1', 'v2', 'test'),
    [
      ['promptscope_eval_cases', outcome('pass'), 2],
      ['promptscope_eval_cases', outcome('fail'), 1],
      ['promptscope_eval_cost_usd', side('candidate'), 0.002],
    ],
    [['promptscope_eval_duration_seconds', side('candidate'), [0.4, 0.5, 0.6]]],
  );
  for (const [at, instance, candidate] of [
    [end - 45, 'run-replay-2', 'v2'],
    [end - 50 * 60, 'run-replay-1', 'v1'],
  ] as const)
    m.once(
      at,
      run('promptscope-replay', instance, candidate, 'replay'),
      [
        ['promptscope_eval_cases', outcome('improved'), 1],
        ['promptscope_eval_cases', outcome('regressed'), 1],
        ['promptscope_eval_cases', outcome('unchanged'), 2],
        ['promptscope_eval_cases', outcome('skipped'), 1],
        ['promptscope_eval_judge_verdicts', { promptscope_eval_verdict: 'candidate' }, 1],
        ['promptscope_eval_judge_verdicts', { promptscope_eval_verdict: 'baseline' }, 1],
        ['promptscope_eval_cost_usd', side('candidate'), 0.003],
        ['promptscope_eval_cost_usd', side('baseline'), 0.002],
      ],
      [
        ['promptscope_eval_duration_seconds', side('candidate'), [0.3, 0.7, 0.3, 0.7]],
        ['promptscope_eval_duration_seconds', side('baseline'), [0.5, 0.9, 0.5, 0.9]],
      ],
    );
  // The collectors' own telemetry (job otelcol): an agent and a gateway; the gateway's Jaeger exporter queue is a
  // quarter full and it dropped 3 spans per step (Jaeger unreachable past the retry limit); the agent refused 1.
  const agent = { job: 'otelcol', instance: '127.0.0.1:8888' };
  const gateway = { job: 'otelcol', instance: '127.0.1.1:8888' };
  m.plain('otelcol_receiver_accepted_spans', { ...agent, receiver: 'otlp', transport: 'http' }, (i) => 40 * i);
  m.plain('otelcol_receiver_accepted_spans', { ...gateway, receiver: 'otlp', transport: 'grpc' }, (i) => 40 * i);
  m.plain('otelcol_receiver_refused_spans', { ...agent, receiver: 'otlp', transport: 'http' }, (i) => i);
  // the other counters exist at 0 (refused ones from the start, failure ones after an earlier failure)
  for (const what of ['metric_points', 'log_records'])
    m.plain(`otelcol_receiver_refused_${what}`, { ...agent, receiver: 'otlp', transport: 'http' }, () => 0);
  const jaegerExporter = { ...gateway, exporter: 'otlp_grpc/jaeger', data_type: 'traces' };
  m.plain('otelcol_exporter_send_failed_spans', { ...gateway, exporter: 'otlp_grpc/jaeger' }, (i) => 3 * i);
  for (const [how, what] of [
    ['send', 'metric_points'],
    ['send', 'log_records'],
    ['enqueue', 'spans'],
    ['enqueue', 'metric_points'],
    ['enqueue', 'log_records'],
  ])
    m.plain(`otelcol_exporter_${how}_failed_${what}`, { ...agent, exporter: `load_balancing/${what}` }, () => 0);
  m.plain('otelcol_exporter_queue_size', jaegerExporter, () => 1000);
  m.plain('otelcol_exporter_queue_capacity', jaegerExporter, () => 4000);
  return { openMetrics: m.text(), end };
}
