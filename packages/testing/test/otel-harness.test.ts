import { context, metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { describe, expect, it } from 'vitest';
import { createOtelHarness } from '../src/index.js';

describe('OTel harness', () => {
  it('records spans through the global API with async context propagation', async () => {
    const harness = createOtelHarness();
    try {
      const tracer = trace.getTracer('harness-test');
      await tracer.startActiveSpan('parent', async (parent) => {
        await new Promise((r) => setTimeout(r, 5));
        tracer.startSpan('child').end();
        parent.end();
      });
      const [child, parent] = harness.spans();
      expect(child.name).toBe('child');
      expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      harness.reset();
      expect(harness.spans()).toEqual([]);
    } finally {
      await harness.shutdown();
    }
  });

  it('collects metric points on demand and re-bases them on reset()', async () => {
    const harness = createOtelHarness();
    try {
      const meter = metrics.getMeter('harness-test');
      const counter = meter.createCounter('calls');
      const histogram = meter.createHistogram('gen_ai.client.operation.duration', { unit: 's' });
      counter.add(2, { op: 'chat' });
      histogram.record(0.5, { op: 'chat' });
      histogram.record(1.5, { op: 'chat' });

      expect(await harness.metricPoints('calls')).toEqual([{ attributes: { op: 'chat' }, value: 2 }]);
      const [duration] = await harness.metricPoints('gen_ai.client.operation.duration');
      expect(duration.value).toMatchObject({ count: 2, sum: 2, min: 0.5, max: 1.5 });
      // Reading twice gives the same cumulative picture.
      expect(await harness.metricPoints('calls')).toEqual([{ attributes: { op: 'chat' }, value: 2 }]);

      harness.reset();
      expect(await harness.metricPoints('calls')).toEqual([]);
      counter.add(1, { op: 'chat' });
      histogram.record(3, { op: 'chat' });
      expect(await harness.metricPoints('calls')).toEqual([{ attributes: { op: 'chat' }, value: 1 }]);
      const [after] = await harness.metricPoints('gen_ai.client.operation.duration');
      expect(after.value).toMatchObject({ count: 1, sum: 3 });
      const resourceMetrics = await harness.metrics();
      expect(resourceMetrics[0].scopeMetrics[0].scope.name).toBe('harness-test');
    } finally {
      await harness.shutdown();
    }
  });

  it('records log records emitted through the global logs API', async () => {
    const harness = createOtelHarness();
    try {
      const tracer = trace.getTracer('harness-test');
      tracer.startActiveSpan('op', (span) => {
        logs.getLogger('harness-test').emit({ eventName: 'gen_ai.event', body: { a: 1 } });
        span.end();
      });
      const [record] = harness.logs();
      expect(record.eventName).toBe('gen_ai.event');
      expect(record.body).toEqual({ a: 1 });
      expect(record.spanContext?.traceId).toBe(harness.spans()[0].spanContext().traceId);
    } finally {
      await harness.shutdown();
    }
  });

  it('refuses a second registered harness until the first is shut down, then allows it', async () => {
    const first = createOtelHarness();
    expect(() => createOtelHarness()).toThrow(/already registered.*shutdown\(\)/);
    await first.shutdown();
    const second = createOtelHarness();
    trace.getTracer('x').startSpan('after').end();
    expect(second.spans().map((s) => s.name)).toEqual(['after']);
    expect(first.spans()).toEqual([]);
    await second.shutdown();
    expect(context.active()).toBeDefined();
  });

  it('works unregistered, with span limits', async () => {
    const harness = createOtelHarness({ register: false, spanLimits: { attributeValueLengthLimit: 4 } });
    harness.tracerProvider
      .getTracer('local')
      .startSpan('s', { attributes: { long: 'abcdefgh' } })
      .end();
    expect(harness.spans()[0].attributes.long).toBe('abcd');
    // Nothing reached the (unset) globals.
    trace.getTracer('global').startSpan('invisible').end();
    expect(harness.spans()).toHaveLength(1);
    await harness.shutdown();
  });
});
