import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { withPrompt, withSegment } from '../src/context.js';
import { SERIES_LIMIT } from '../src/histograms.js';
import { promptscopeMetricProducer } from '../src/metric-producer.js';
import { Telemetry } from '../src/telemetry.js';

// The in-process histograms against the SDK's own: the same scenario recorded once through SDK histograms
// (an instrumentation given a meter provider of its own keeps SDK histograms even when a producer exists)
// and once through promptscope's MetricProducer (an instrumentation on the global meter provider) must give
// the same histogram points.

class Reader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const tracerProvider = new BasicTracerProvider();
const providers: MeterProvider[] = [];
afterAll(async () => {
  for (const p of providers) await p.shutdown();
});

/** Calls of several shapes: plain and streamed, errors, unknown models, prompts, segments. */
function scenario(t: Telemetry): void {
  const shapes = [
    { model: 'gpt-4o-mini', stream: false },
    { model: 'gpt-4o-mini', stream: true },
    { model: 'claude-haiku-4-5', stream: true, provider: 'anthropic' },
    { model: 'no-such-model', stream: false },
  ];
  for (let i = 0; i < 60; i++) {
    const s = shapes[i % shapes.length];
    const run = () => {
      const op = t.start({ operation: 'chat', provider: s.provider ?? 'openai', model: s.model, stream: s.stream });
      if (s.stream) for (let c = 0; c < (i % 5) + 1; c++) op.chunk();
      if (i % 7 === 3) {
        op.fail(Object.assign(new Error('rate limited'), { status: 429 }));
        return;
      }
      op.setResponse({ model: `${s.model}-2025` });
      op.setUsage({ inputTokens: 10 * i + 1, outputTokens: i * i });
      op.end();
    };
    const prompted = () => (i % 3 === 0 ? withPrompt({ name: 'support', version: String(i % 2) }, run) : run());
    if (i % 4 === 1) withSegment('pro', prompted);
    else prompted();
  }
}

function histograms(rm: ResourceMetrics) {
  const out: Record<string, unknown[]> = {};
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      if (m.dataPointType !== DataPointType.HISTOGRAM) continue;
      out[`${sm.scope.name} ${m.descriptor.name} ${m.descriptor.unit} ${m.descriptor.description}`] = m.dataPoints
        .map((p) => ({ attributes: p.attributes, value: p.value }))
        .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
    }
  }
  return out;
}

async function collect(reader: MetricReader): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

/** A Telemetry on a fresh meter provider: the global one (what the producer serves), or its own. */
function telemetryOn(reader: MetricReader, scope = '@promptscope/test', own = false): Telemetry {
  const meterProvider = new MeterProvider({ readers: [reader] });
  providers.push(meterProvider);
  const t = new Telemetry({}, { name: scope, version: '1.0.0' });
  t.setTracerProvider(tracerProvider);
  if (own) {
    t.setMeterProvider(meterProvider);
  } else {
    metrics.disable();
    metrics.setGlobalMeterProvider(meterProvider);
  }
  return t;
}

// Durations differ run to run; the scenario's timings are replaced by fixed ones on both sides.
function fixedClock(): () => void {
  let now = 1000;
  const real = performance.now.bind(performance);
  performance.now = () => {
    now += 1.5;
    return now;
  };
  return () => {
    performance.now = real;
  };
}

afterAll(() => metrics.disable());

describe('promptscopeMetricProducer', () => {
  it('reports the same histogram points as the SDK histograms, and the SDK keeps the counters', async () => {
    const producer = promptscopeMetricProducer();
    const sdkReader = new Reader();
    let restore = fixedClock();
    scenario(telemetryOn(sdkReader, '@promptscope/test', true));
    restore();
    const viaSdk = await collect(sdkReader);
    // Those calls went to their own meter provider only: the producer holds nothing of them.
    expect((await producer.collect()).resourceMetrics.scopeMetrics).toEqual([]);

    const ownReader = new Reader({ metricProducers: [producer] });
    restore = fixedClock();
    scenario(telemetryOn(ownReader));
    restore();
    const viaProducer = await collect(ownReader);

    const expected = histograms(viaSdk);
    expect(Object.keys(expected).sort()).toEqual([
      '@promptscope/test gen_ai.client.operation.duration s Duration of GenAI client operations',
      '@promptscope/test gen_ai.client.operation.time_per_output_chunk s Mean time between output chunks after the first, one sample per stream',
      '@promptscope/test gen_ai.client.operation.time_to_first_chunk s Time from request issue to the first content chunk of a stream',
      '@promptscope/test gen_ai.client.token.usage {token} Tokens used per operation, by gen_ai.token.type',
    ]);
    expect(histograms(viaProducer)).toEqual(expected);
    // They came from the producer, and nothing was recorded twice (once in the SDK, once in process).
    expect(histograms((await producer.collect()).resourceMetrics)).toEqual(expected);
    const all = viaProducer.scopeMetrics.flatMap((sm) => sm.metrics);
    expect(all.filter((m) => m.dataPointType === DataPointType.HISTOGRAM)).toHaveLength(Object.keys(expected).length);
    // The counters (cost, unpriced) are still the SDK's observable ones, with the same values.
    const sums = (rm: ResourceMetrics) =>
      rm.scopeMetrics
        .flatMap((sm) => sm.metrics)
        .filter((m) => m.dataPointType === DataPointType.SUM)
        .map((m) => [m.descriptor.name, m.dataPoints.map((p) => p.value).sort()]);
    expect(sums(viaProducer)).toEqual(sums(viaSdk));
    expect(sums(viaSdk).map(([n]) => n)).toContain('promptscope.client.cost_usd');
  });

  it('exports through a real exporter, cumulative by default', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new Reader({ metricProducers: [promptscopeMetricProducer()] });
    const t = telemetryOn(reader, '@promptscope/cumulative-test');
    for (let i = 0; i < 3; i++) {
      const op = t.start({ operation: 'chat', provider: 'openai', model: 'gpt-4o-mini' });
      op.setUsage({ inputTokens: 5, outputTokens: 7 });
      op.end();
    }
    const first = await collect(reader);
    const op = t.start({ operation: 'chat', provider: 'openai', model: 'gpt-4o-mini' });
    op.end();
    const second = await collect(reader);
    const durationCount = (rm: ResourceMetrics) =>
      rm.scopeMetrics
        .filter((sm) => sm.scope.name === '@promptscope/cumulative-test')
        .flatMap((sm) => sm.metrics)
        .filter((m) => m.descriptor.name === 'gen_ai.client.operation.duration')
        .flatMap((m) => m.dataPoints.map((p) => [m.aggregationTemporality, (p.value as { count: number }).count]));
    // Only this scope's series: the store is the process's, shared with the other tests' scopes.
    expect(durationCount(first)).toEqual([[AggregationTemporality.CUMULATIVE, 3]]);
    expect(durationCount(second)).toEqual([[AggregationTemporality.CUMULATIVE, 4]]);
    await new Promise<void>((resolve, reject) =>
      exporter.export(second, (r) => (r.code === 0 ? resolve() : reject(r.error))),
    );
    expect(exporter.getMetrics()).toHaveLength(1);
  });

  it('reports each interval once to a delta reader, with its own counts and sum', async () => {
    const reader = new Reader({ metricProducers: [promptscopeMetricProducer({ temporality: 'delta' })] });
    const t = telemetryOn(reader, '@promptscope/delta-test');
    const call = (tokens: number) => {
      const op = t.start({ operation: 'chat', provider: 'openai', model: 'gpt-4o-mini' });
      op.setUsage({ inputTokens: tokens, outputTokens: 1 });
      op.end();
    };
    const inputPoint = async () => {
      const rm = await collect(reader);
      const usage = rm.scopeMetrics
        .filter((sm) => sm.scope.name === '@promptscope/delta-test')
        .flatMap((sm) => sm.metrics)
        .find((m) => m.descriptor.name === 'gen_ai.client.token.usage');
      const p = usage?.dataPoints.find((d) => d.attributes['gen_ai.token.type'] === 'input');
      return p && { temporality: usage?.aggregationTemporality, value: p.value };
    };
    call(100);
    call(3000);
    expect(await inputPoint()).toMatchObject({
      temporality: AggregationTemporality.DELTA,
      value: { count: 2, sum: 3100 },
    });
    expect(await inputPoint()).toBeUndefined();
    call(7);
    const third = await inputPoint();
    expect(third?.value).toMatchObject({ count: 1, sum: 7 });
    const counts = (third?.value as { buckets: { counts: number[] } } | undefined)?.buckets.counts ?? [];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('folds attribute sets beyond the series limit into one overflow series, as the SDK does', async () => {
    const reader = new Reader({ metricProducers: [promptscopeMetricProducer()] });
    const t = telemetryOn(reader);
    for (let i = 0; i < SERIES_LIMIT + 50; i++) {
      t.start({ operation: 'chat', provider: 'openai', model: `model-${i}` }).end();
    }
    const rm = await collect(reader);
    const duration = rm.scopeMetrics
      .flatMap((sm) => sm.metrics)
      .find((m) => m.descriptor.name === 'gen_ai.client.operation.duration' && m.dataPoints.length >= SERIES_LIMIT);
    expect(duration?.dataPoints).toHaveLength(SERIES_LIMIT);
    const overflow = duration?.dataPoints.find((p) => p.attributes['otel.metric.overflow'] === true);
    expect((overflow?.value as { count: number } | undefined)?.count).toBeGreaterThanOrEqual(51);
  });
});
