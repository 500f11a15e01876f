import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as HttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as HttpTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../src/index.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(() => receiver.reset());
afterAll(() => receiver.close());

const resource = resourceFromAttributes({ 'service.name': 'receiver-test' });

const protocols = [
  {
    name: 'http/protobuf',
    contentType: 'application/x-protobuf',
    Trace: ProtoTraceExporter,
    Metric: ProtoMetricExporter,
    Log: ProtoLogExporter,
  },
  {
    name: 'http/json',
    contentType: 'application/json',
    Trace: HttpTraceExporter,
    Metric: HttpMetricExporter,
    Log: HttpLogExporter,
  },
] as const;

describe.each(protocols)('real OTLP exporters over $name', ({ contentType, Trace, Metric, Log }) => {
  it('decodes spans into flat records', async () => {
    const provider = new BasicTracerProvider({
      resource,
      spanProcessors: [new SimpleSpanProcessor(new Trace({ url: `${receiver.url}/v1/traces` }))],
    });
    const tracer = provider.getTracer('receiver-test-scope');
    const parent = tracer.startSpan('chat gpt-4o-mini', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 22,
        'gen_ai.request.temperature': 0.5,
        'gen_ai.request.stream': true,
        'gen_ai.response.finish_reasons': ['stop'],
      },
    });
    parent.addEvent('gen_ai.choice', { index: 0 });
    parent.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    await provider.forceFlush();

    await receiver.waitFor(() => receiver.spans().length === 2);
    expect(receiver.requests.every((r) => r.path === '/v1/traces' && r.contentType === contentType)).toBe(true);
    const [flatChild, flatParent] = receiver.spans();
    expect(flatParent).toMatchObject({
      traceId: parent.spanContext().traceId,
      spanId: parent.spanContext().spanId,
      parentSpanId: undefined,
      name: 'chat gpt-4o-mini',
      kind: 3,
      status: { code: 2, message: 'boom' },
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 22,
        'gen_ai.request.temperature': 0.5,
        'gen_ai.request.stream': true,
        'gen_ai.response.finish_reasons': ['stop'],
      },
      resource: { 'service.name': 'receiver-test' },
      scope: 'receiver-test-scope',
      events: [{ name: 'gen_ai.choice', attributes: { index: 0 } }],
    });
    expect(flatParent.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(flatParent.endTimeUnixNano).toBeGreaterThanOrEqual(flatParent.startTimeUnixNano);
    expect(flatParent.startTimeUnixNano).toBeGreaterThan(1.6e18);
    expect(flatChild.parentSpanId).toBe(parent.spanContext().spanId);
    await provider.shutdown();
  });

  it('decodes histograms and sums', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new Metric({ url: `${receiver.url}/v1/metrics` }),
      exportIntervalMillis: 60_000,
    });
    const provider = new MeterProvider({ resource, readers: [reader] });
    const meter = provider.getMeter('receiver-test-meter');
    const histogram = meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      advice: { explicitBucketBoundaries: [1, 10, 100] },
    });
    histogram.record(22, { 'gen_ai.token.type': 'input' });
    histogram.record(3, { 'gen_ai.token.type': 'input' });
    meter.createCounter('requests').add(2, { route: 'chat' });
    await provider.forceFlush();

    await receiver.waitFor(() => receiver.metrics().length >= 2);
    const usage = receiver.metrics().find((m) => m.name === 'gen_ai.client.token.usage');
    expect(usage).toMatchObject({
      unit: '{token}',
      type: 'histogram',
      resource: { 'service.name': 'receiver-test' },
      scope: 'receiver-test-meter',
    });
    expect(usage?.points).toEqual([
      expect.objectContaining({
        attributes: { 'gen_ai.token.type': 'input' },
        count: 2,
        sum: 25,
        min: 3,
        max: 22,
        bucketCounts: [0, 1, 1, 0],
        explicitBounds: [1, 10, 100],
      }),
    ]);
    const requests = receiver.metrics().find((m) => m.name === 'requests');
    expect(requests).toMatchObject({
      type: 'sum',
      isMonotonic: true,
      points: [expect.objectContaining({ attributes: { route: 'chat' }, value: 2 })],
    });
    await provider.shutdown();
  });

  it('decodes log records with event names and span context', async () => {
    const provider = new LoggerProvider({
      resource,
      processors: [new SimpleLogRecordProcessor({ exporter: new Log({ url: `${receiver.url}/v1/logs` }) })],
    });
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    provider.getLogger('receiver-test-logger').emit({
      eventName: 'gen_ai.client.inference.operation.details',
      body: { content: 'hello', parts: [1, 2] },
      attributes: { 'gen_ai.operation.name': 'chat' },
      severityNumber: SeverityNumber.INFO,
      context: trace.setSpanContext(context.active(), spanContext),
    });
    provider.getLogger('receiver-test-logger').emit({ body: 'no span' });
    await provider.forceFlush();

    await receiver.waitFor(() => receiver.logs().length === 2);
    const [event, plain] = receiver.logs();
    expect(event).toMatchObject({
      eventName: 'gen_ai.client.inference.operation.details',
      body: { content: 'hello', parts: [1, 2] },
      attributes: { 'gen_ai.operation.name': 'chat' },
      traceId: spanContext.traceId,
      spanId: spanContext.spanId,
      severityNumber: SeverityNumber.INFO,
      scope: 'receiver-test-logger',
    });
    expect(plain).toMatchObject({ body: 'no span', traceId: undefined, spanId: undefined });
    await provider.shutdown();
  });
});

describe('OTLP receiver', () => {
  it('accepts gzip bodies and keeps the decompressed bytes for secret scans', async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(
          new ProtoTraceExporter({ url: `${receiver.url}/v1/traces`, compression: CompressionAlgorithm.GZIP }),
        ),
      ],
    });
    provider
      .getTracer('t')
      .startSpan('span-with-needle', { attributes: { marker: 'NEEDLE-123' } })
      .end();
    await provider.forceFlush();
    await receiver.waitFor(() => receiver.spans().length === 1);
    expect(receiver.requests[0].contentEncoding).toBe('gzip');
    expect(receiver.requests[0].body.includes('NEEDLE-123')).toBe(true);
    expect(receiver.spans()[0].attributes.marker).toBe('NEEDLE-123');
    await provider.shutdown();
  });

  it('normalizes hand-written OTLP/JSON: uppercase hex ids, int64 strings, nested values', async () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-svc' } }] },
          scopeSpans: [
            {
              scope: { name: 'manual' },
              spans: [
                {
                  traceId: '5B8EFFF798038103D269B633813FC60C',
                  spanId: 'EEE19B7EC3C1B174',
                  parentSpanId: '',
                  name: 'manual span',
                  kind: 3,
                  startTimeUnixNano: '1544712660000000000',
                  endTimeUnixNano: '1544712661000000000',
                  attributes: [
                    { key: 'n', value: { intValue: '42' } },
                    { key: 'kv', value: { kvlistValue: { values: [{ key: 'a', value: { boolValue: false } }] } } },
                  ],
                  status: { code: 1 },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(receiver.spans()).toEqual([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: undefined,
        name: 'manual span',
        kind: 3,
        attributes: { n: 42, kv: { a: false } },
        status: { code: 1, message: '' },
        startTimeUnixNano: 1544712660000000000,
        endTimeUnixNano: 1544712661000000000,
        events: [],
        links: [],
        resource: { 'service.name': 'json-svc' },
        scope: 'manual',
      },
    ]);
  });

  it('rejects undecodable bodies and unsupported content types, and says so on waitFor timeout', async () => {
    const garbage = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]),
    });
    expect(garbage.status).toBe(400);
    const text = await fetch(`${receiver.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
    const missing = await fetch(`${receiver.url}/v1/nothing`, { method: 'POST', body: 'x' });
    expect(missing.status).toBe(404);
    await expect(receiver.waitFor(() => receiver.spans().length > 0, 100)).rejects.toThrow(
      /condition still false after 100 ms; received 2 request\(s\).*errors: \/v1\/traces: cannot decode application\/x-protobuf body/,
    );
  });
});
