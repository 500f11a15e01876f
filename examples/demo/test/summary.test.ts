import { describe, expect, it } from 'vitest';
import {
  feedbackFromLogs,
  feedbackFromSpans,
  formatMetricSeries,
  formatProviderTable,
  formatRoutes,
  formatSegmentTable,
  formatTable,
  instrumentationErrors,
  metricSeries,
  percentile,
  routeOutcomes,
  summarize,
  summarizeFeedback,
  summarizeProviders,
  summarizeSegments,
} from '../src/summary.mjs';

interface SpanInput {
  version?: string;
  ms: number;
  error?: string;
  stream?: boolean;
  ttft?: number;
  input?: number;
  output?: number;
  cost?: number;
  unpriced?: boolean;
  attrs?: Record<string, unknown>;
}

const T0 = 1_800_000_000_000_000_000;

function span(s: SpanInput) {
  const attributes: Record<string, unknown> = { 'gen_ai.operation.name': 'chat', ...s.attrs };
  if (s.version !== undefined) {
    attributes['gen_ai.prompt.name'] = 'support-reply';
    attributes['gen_ai.prompt.version'] = s.version;
    attributes['promptscope.prompt.label'] = s.version === '2' ? 'canary' : 'production';
  }
  if (s.error !== undefined) attributes['error.type'] = s.error;
  if (s.stream) attributes['gen_ai.request.stream'] = true;
  if (s.ttft !== undefined) attributes['gen_ai.response.time_to_first_chunk'] = s.ttft;
  if (s.input !== undefined) attributes['gen_ai.usage.input_tokens'] = s.input;
  if (s.output !== undefined) attributes['gen_ai.usage.output_tokens'] = s.output;
  if (s.cost !== undefined) attributes['promptscope.cost.usd'] = s.cost;
  if (s.unpriced) attributes['promptscope.cost.unpriced'] = true;
  return {
    attributes,
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + s.ms * 1e6,
    status: { code: s.error === undefined ? 0 : 2 },
  };
}

describe('percentile (nearest rank)', () => {
  it('picks the smallest value with at least p% at or below it', () => {
    const values = [50, 10, 40, 20, 30, 100, 90, 80, 70, 60];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(100);
    expect(percentile(values, 10)).toBe(10);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([7], 95)).toBe(7);
  });

  it('is undefined for no values and does not reorder its input', () => {
    expect(percentile([], 50)).toBeUndefined();
    const input = [3, 1, 2];
    percentile(input, 50);
    expect(input).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  const spans = [
    ...[100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((ms) =>
      span({ version: '1', ms, input: 10, output: 20, cost: 0.001 }),
    ),
    span({ version: '1', ms: 5, error: '429' }),
    span({ version: '1', ms: 7, error: '429' }),
    span({ version: '1', ms: 9000, error: '500' }),
    span({ version: '2', ms: 300, stream: true, ttft: 0.12, input: 30, output: 40, cost: 0.002 }),
    span({ version: '2', ms: 500, stream: true, ttft: 0.2, input: 30, output: 50, cost: 0.003 }),
    span({ version: '2', ms: 400, stream: true, ttft: 0.16, input: 30, output: 60, cost: 0.004 }),
    // A plain call's time to first chunk (if any) is not a stream's TTFT.
    span({ version: '2', ms: 250, ttft: 0.01, input: 30, output: 10, cost: 0.001 }),
  ];
  const [v1, v2] = summarize(spans);

  it('groups by prompt name and version, sorted', () => {
    expect(summarize(spans).map((r) => [r.prompt, r.version, r.label])).toEqual([
      ['support-reply', '1', 'production'],
      ['support-reply', '2', 'canary'],
    ]);
    expect(v1.calls).toBe(13);
    expect(v2.calls).toBe(4);
  });

  it('counts errors by error.type and leaves them out of latency', () => {
    expect(v1.errors).toBe(3);
    expect(v1.errorTypes).toEqual({ '429': 2, '500': 1 });
    expect(v1.p50Ms).toBe(500);
    expect(v1.p95Ms).toBe(1000);
    expect(v2.errors).toBe(0);
    expect(v2.errorTypes).toEqual({});
  });

  it('takes time to first chunk from streamed calls only, in ms', () => {
    expect(v2.streams).toBe(3);
    expect(v2.ttftP50Ms).toBeCloseTo(160, 6);
    expect(v1.ttftP50Ms).toBeUndefined();
  });

  it('sums tokens and cost', () => {
    expect(v1.inputTokens).toBe(100);
    expect(v1.outputTokens).toBe(200);
    expect(v1.costUsd).toBeCloseTo(0.01, 12);
    expect(v1.priced).toBe(10);
    expect(v2.inputTokens).toBe(120);
    expect(v2.outputTokens).toBe(160);
    expect(v2.costUsd).toBeCloseTo(0.01, 12);
  });

  it('counts an error span without error.type as _OTHER', () => {
    const [row] = summarize([{ ...span({ version: '1', ms: 10 }), status: { code: 2 } }]);
    expect(row.errorTypes).toEqual({ _OTHER: 1 });
    expect(row.p50Ms).toBeUndefined();
  });

  it('skips non-GenAI spans and groups calls without a prompt under (none)', () => {
    const http = { attributes: { 'http.request.method': 'POST' }, startTimeUnixNano: T0, endTimeUnixNano: T0 + 1e6 };
    const rows = summarize([http, span({ ms: 10, unpriced: true })]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ prompt: '(none)', version: '(none)', calls: 1, unpriced: 1, priced: 0 });
  });
});

describe('formatTable', () => {
  it('prints one aligned line per version with errors, latency, TTFT, tokens and cost', () => {
    const text = formatTable(
      summarize([
        span({ version: '1', ms: 120, input: 10, output: 20, cost: 0.0015 }),
        span({ version: '1', ms: 5, error: '429' }),
        span({ version: '2', ms: 300, stream: true, ttft: 0.2, input: 30, output: 40, cost: 0.002 }),
      ]),
    );
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^prompt\s+version\s+label\s+calls\s+errors\s+p50 ms\s+p95 ms\s+ttft p50 ms/);
    expect(lines[2]).toMatch(
      /support-reply\s+1\s+production\s+2\s+1 \(429×1\)\s+120\s+120\s+-\s+10\/20\s+\$0\.001500\s+0\s+-\s+-$/,
    );
    expect(lines[3]).toMatch(
      /support-reply\s+2\s+canary\s+1\s+0\s+300\s+300\s+200\s+30\/40\s+\$0\.002000\s+0\s+-\s+-$/,
    );
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('shows unknown cost as "-", never as $0', () => {
    const text = formatTable(summarize([span({ version: '1', ms: 10, unpriced: true })]));
    expect(text).toMatch(/- \(1 unpriced\)\s+0\s+-\s+-$/);
    expect(text).not.toContain('$0');
  });
});

describe('feedback quality', () => {
  const T = 1_800_000_000_000_000_000;
  let n = 0;
  /** A gen_ai.evaluation.result log record on completion `span` of prompt version `version`. */
  function event(version: string, score: number | undefined, extra: Record<string, unknown> = {}, at = T + n++) {
    const attributes: Record<string, unknown> = {
      'event.name': 'gen_ai.evaluation.result',
      'gen_ai.evaluation.name': 'thumbs',
      'gen_ai.prompt.name': 'support-reply',
      'gen_ai.prompt.version': version,
      ...extra,
    };
    if (score !== undefined) attributes['gen_ai.evaluation.score.value'] = score;
    return {
      eventName: 'gen_ai.evaluation.result',
      traceId: `t${n}`,
      spanId: `s${n}`,
      timeUnixNano: at,
      attributes,
      ...(extra.span ? { traceId: 'T', spanId: String(extra.span) } : {}),
    };
  }

  it('computes mean score and negative ratio (score <= 0.4) per prompt version from the events', () => {
    const logs = [
      event('1', 1),
      event('1', 1),
      event('1', 0.7),
      event('1', 0),
      event('2', 0),
      event('2', 0.2),
      event('2', 0.45),
      event('2', 1),
      event('2', undefined, { 'gen_ai.evaluation.score.label': 'billing' }), // no score: counted, not scored
      { eventName: 'other', traceId: 'x', spanId: 'y', timeUnixNano: T, attributes: {} },
    ];
    const q = summarizeFeedback(feedbackFromLogs(logs));
    expect(q.get('["support-reply","1"]')).toEqual({ feedback: 4, meanScore: 2.7 / 4, negativeRatio: 0.25 });
    const v2 = q.get('["support-reply","2"]')!;
    expect(v2.feedback).toBe(5);
    expect(v2.meanScore).toBeCloseTo(1.65 / 4);
    expect(v2.negativeRatio).toBe(0.5);
  });

  it('applies last wins per completion, evaluation name and feedback id', () => {
    const id = { 'promptscope.feedback.id': 'u1:thumbs', span: 'c1' };
    const logs = [event('1', 0, id, T + 1e6), event('1', 1, id, T + 3e6), event('1', 0, id, T + 2e6)];
    expect(summarizeFeedback(feedbackFromLogs(logs)).get('["support-reply","1"]')).toEqual({
      feedback: 1,
      meanScore: 1,
      negativeRatio: 0,
    });
  });

  it('reads the evaluation spans too, and joins quality onto the version rows', () => {
    const evalSpan = (version: string, score: number) => ({
      name: 'evaluation thumbs',
      traceId: 't',
      parentSpanId: `p${n++}`,
      startTimeUnixNano: T,
      endTimeUnixNano: T,
      attributes: {
        'gen_ai.evaluation.name': 'thumbs',
        'gen_ai.evaluation.score.value': score,
        'gen_ai.prompt.name': 'support-reply',
        'gen_ai.prompt.version': version,
      },
    });
    const spans = [span({ version: '1', ms: 100 }), span({ version: '2', ms: 100 })];
    const feedback = feedbackFromSpans([
      ...spans.map((s) => ({ ...s, name: 'chat' })),
      evalSpan('2', 0),
      evalSpan('2', 1),
    ]);
    expect(feedback).toHaveLength(2);
    const rows = summarize(spans, feedback);
    expect(rows.map((r) => [r.version, r.feedback, r.meanScore, r.negativeRatio])).toEqual([
      ['1', 0, undefined, undefined],
      ['2', 2, 0.5, 0.5],
    ]);
    const text = formatTable(rows);
    expect(text.split('\n')[0]).toMatch(/cost USD\s+feedback\s+mean score\s+negative$/);
    expect(text.split('\n')[3]).toMatch(/\s2\s+0\.50\s+50%$/);
  });
});

describe('metric series and instrumentation errors', () => {
  it('counts distinct attribute sets and points per metric name', () => {
    const point = (attributes: Record<string, unknown>) => ({ attributes });
    const series = metricSeries([
      { name: 'gen_ai.client.operation.duration', points: [point({ v: '1', e: 'x' }), point({ v: '2' })] },
      { name: 'gen_ai.client.operation.duration', points: [point({ e: 'x', v: '1' }), point({ v: '2' })] },
      { name: 'gen_ai.client.token.usage', points: [point({ t: 'input' })] },
    ]);
    expect(series).toEqual([
      { name: 'gen_ai.client.operation.duration', series: 2, points: 4 },
      { name: 'gen_ai.client.token.usage', series: 1, points: 1 },
    ]);
    expect(formatMetricSeries(series)).toContain('gen_ai.client.operation.duration: 2 / 4');
    expect(formatMetricSeries([])).toBe('metrics: none arrived');
  });

  it('collects promptscope.instrumentation.error messages', () => {
    const bad = { attributes: { 'promptscope.instrumentation.error': 'end: boom' } };
    expect(instrumentationErrors([bad, bad, span({ ms: 1 })] as never)).toEqual([['end: boom', 2]]);
  });
});

describe('summarizeProviders', () => {
  const anthropic = { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-haiku-4-5' };
  const openai = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' };
  const spans = [
    span({ version: '1', ms: 100, input: 10, output: 20, cost: 0.001, attrs: openai }),
    span({ version: '2', ms: 300, input: 10, output: 20, cost: 0.001, attrs: openai }),
    span({ version: '1', ms: 5, error: '500', attrs: openai }),
    span({ version: '1', ms: 200, stream: true, ttft: 0.05, input: 30, output: 40, cost: 0.004, attrs: anthropic }),
    span({ version: '2', ms: 9, error: '529', attrs: anthropic }),
    span({ ms: 50, unpriced: true, attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'my-llama' } }),
    span({ ms: 50 }),
  ];

  it('groups by provider and requested model across prompt versions, sorted', () => {
    const rows = summarizeProviders(spans);
    expect(rows.map((r) => [r.provider, r.model, r.calls, r.errors])).toEqual([
      ['(none)', '(none)', 1, 0],
      ['anthropic', 'claude-haiku-4-5', 2, 1],
      ['openai', 'gpt-4o-mini', 3, 1],
      ['openai', 'my-llama', 1, 0],
    ]);
    const [, claude, gpt] = rows;
    expect(claude.errorTypes).toEqual({ '529': 1 });
    expect(claude.ttftP50Ms).toBeCloseTo(50, 6);
    expect(claude.costUsd).toBeCloseTo(0.004, 12);
    expect(gpt.p50Ms).toBe(100);
    expect(gpt.p95Ms).toBe(300);
    expect(gpt.inputTokens).toBe(20);
    expect(gpt.priced).toBe(2);
  });

  it('prints one aligned line per provider and model', () => {
    const lines = formatProviderTable(summarizeProviders(spans.slice(0, 5))).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^provider\s+model\s+calls\s+errors\s+p50 ms\s+p95 ms\s+ttft p50 ms\s+tokens in\/out\s+cost USD$/,
    );
    expect(lines[2]).toMatch(
      /^anthropic\s+claude-haiku-4-5\s+2\s+1 \(529×1\)\s+200\s+200\s+50\s+30\/40\s+\$0\.004000$/,
    );
    expect(lines[3]).toMatch(/^openai\s+gpt-4o-mini\s+3\s+1 \(500×1\)\s+100\s+300\s+-\s+20\/40\s+\$0\.002000$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});

describe('routeOutcomes', () => {
  const routeSpan = (attrs: Record<string, unknown>, error?: string) => ({
    name: 'route support-reply',
    attributes: {
      'promptscope.route.name': 'support-reply',
      ...attrs,
      ...(error === undefined ? {} : { 'error.type': error }),
    },
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + 1e6,
    status: { code: error === undefined ? 0 : 2 },
  });
  const attempt = (target: string, error?: string) =>
    span({
      version: '1',
      ms: 10,
      error,
      attrs: { 'promptscope.route.name': 'support-reply', 'promptscope.route.target': target },
    });
  const spans = [
    // answered by the primary
    routeSpan({
      'promptscope.route.attempts': 1,
      'promptscope.route.fallback': false,
      'promptscope.route.target': 'openai',
    }),
    attempt('openai'),
    // a retry answered by the primary
    routeSpan({
      'promptscope.route.attempts': 2,
      'promptscope.route.fallback': false,
      'promptscope.route.target': 'openai',
    }),
    // fell back to the secondary
    routeSpan({
      'promptscope.route.attempts': 3,
      'promptscope.route.fallback': true,
      'promptscope.route.target': 'anthropic',
    }),
    attempt('openai', '500'),
    attempt('openai', '500'),
    attempt('anthropic'),
    // fell back, and the secondary failed too
    routeSpan(
      { 'promptscope.route.attempts': 4, 'promptscope.route.fallback': true, 'promptscope.route.target': 'anthropic' },
      '529',
    ),
    routeSpan({ 'promptscope.route.name': 'other', 'promptscope.route.attempts': 1, 'promptscope.route.target': 'x' }),
  ];

  it('counts calls, fallbacks, failures, attempts and the answering target per route, from route spans only', () => {
    expect(routeOutcomes(spans)).toEqual([
      { route: 'other', calls: 1, fallbacks: 0, failed: 0, attempts: 1, answeredBy: { x: 1 }, errorTypes: {} },
      {
        route: 'support-reply',
        calls: 4,
        fallbacks: 2,
        failed: 1,
        attempts: 10,
        answeredBy: { openai: 2, anthropic: 1 },
        errorTypes: { '529': 1 },
      },
    ]);
    expect(routeOutcomes([attempt('openai')])).toEqual([]);
  });

  it('prints one line per route', () => {
    const lines = formatRoutes(routeOutcomes(spans)).split('\n');
    expect(lines[0]).toMatch(/^route\s+calls\s+fell back\s+failed\s+attempts\s+answered by$/);
    expect(lines[3]).toMatch(/^support-reply\s+4\s+2\s+1 \(529×1\)\s+10\s+anthropic×1 openai×2$/);
    expect(formatRoutes([])).toBe('routes: no routed calls');
  });
});

describe('summarizeSegments', () => {
  const seg = (segment: string | undefined, input: number, output: number, cost?: number, error?: string) =>
    span({
      version: '1',
      ms: 100,
      input,
      output,
      cost,
      error,
      attrs: segment === undefined ? {} : { 'promptscope.user.segment': segment },
    });
  const spans = [
    seg('enterprise', 300, 400, 0.003),
    seg('free', 60, 100, 0.0005),
    seg(undefined, 60, 100, 0.0005),
    seg('pro', 60, 100, 0.001),
    seg('free', 60, 100, 0.0005),
    seg('free', 0, 0, undefined, '500'),
    seg('beta', 10, 10, 0.0005),
  ];

  it('groups calls, tokens and cost by promptscope.user.segment: the demo order, others by name, (none) last', () => {
    const rows = summarizeSegments(spans);
    expect(rows.map((r) => r.segment)).toEqual(['free', 'pro', 'enterprise', 'beta', '(none)']);
    const free = rows[0];
    expect(free).toMatchObject({ calls: 3, errors: 1, inputTokens: 120, outputTokens: 200, priced: 2 });
    expect(free.costUsd).toBeCloseTo(0.001, 9);
    expect(rows[2]).toMatchObject({ calls: 1, inputTokens: 300, outputTokens: 400 });
  });

  it('prints cost, cost per priced call and the share of the cost of each segment', () => {
    const text = formatSegmentTable(summarizeSegments(spans));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^segment\s+calls\s+tokens in\/out\s+cost USD\s+USD\/call\s+share$/);
    // total 0.006: free 0.001 (17 %), enterprise 0.003 (50 %)
    expect(lines[2]).toMatch(/^free\s+3\s+120\/200\s+\$0\.001000\s+\$0\.000500\s+17%$/);
    expect(lines[4]).toMatch(/^enterprise\s+1\s+300\/400\s+\$0\.003000\s+\$0\.003000\s+50%$/);
    expect(lines[6]).toMatch(/^\(none\)\s+1\s/);
  });
});
