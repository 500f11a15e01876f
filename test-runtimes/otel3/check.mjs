// OTel JS 3.x check: an app with its own 3.x SDK (api 1.10) and openai 7, instrumented by the BUILT
// promptscope packages. One mode per process, since each sets global state:
//   node check.mjs sdk       NodeSDK 3.x registers `new OpenAIInstrumentation()`; openai loaded with require
//   node check.mjs manual    `instrument(OpenAI, { tracerProvider, meterProvider })` with 3.x providers
//   node check.mjs producer  as sdk, with promptscopeMetricProducer() on the app's 3.x reader: the
//                            histograms are aggregated in process and read through the 3.x reader
//   node --import ./own-sdk.mjs --import @promptscope/register check.mjs register
//                            the app's own 3.x SDK first, then register (instrumentation-only), ESM import
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { startFakeProvider } from '@promptscope/testing';

const mode = process.argv[2];
const require = createRequire(import.meta.url);

let env; // { spans, reader, metricExporter, sdk?, providers? }
let OpenAI;
let fake;

before(async () => {
  fake = await startFakeProvider();
  if (mode === 'sdk' || mode === 'producer') {
    const { promptscopeMetricProducer } = await import('@promptscope/core');
    const { OpenAIInstrumentation } = await import('@promptscope/instrumentation-openai');
    const { startOwnSdk } = await import('./own-sdk.mjs');
    env = startOwnSdk([new OpenAIInstrumentation()], mode === 'producer' ? [promptscopeMetricProducer()] : []);
    OpenAI = require('openai').OpenAI; // patched by the instrumentation's require hook
  } else if (mode === 'manual') {
    const { instrument } = await import('@promptscope/instrumentation-openai');
    const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace');
    const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } =
      await import('@opentelemetry/sdk-metrics');
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 600_000 });
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    const meterProvider = new MeterProvider({ readers: [reader] });
    env = { spans, metricExporter, reader, providers: [tracerProvider, meterProvider] };
    OpenAI = (await import('openai')).default;
    instrument(OpenAI, { tracerProvider, meterProvider });
  } else if (mode === 'register') {
    env = globalThis.__ownSdk;
    assert.ok(env, 'own-sdk.mjs must be loaded with --import before @promptscope/register');
    const reg = globalThis[Symbol.for('promptscope.register')];
    assert.ok(reg, '@promptscope/register did not start (no registration in its global slot)');
    assert.equal(reg.mode, 'instrumentation-only', 'register must leave the app-owned 3.x SDK in charge');
    OpenAI = (await import('openai')).default; // patched through register's ESM loader hook
  } else {
    throw new Error(`unknown mode ${mode}; expected sdk, producer, manual or register`);
  }
});

after(async () => {
  await fake?.close();
  if (env?.sdk) await env.sdk.shutdown();
  for (const p of env?.providers ?? []) await p.shutdown();
});

function client() {
  return new OpenAI({ apiKey: 'sk-test-otel3', baseURL: fake.url, maxRetries: 0 });
}

function reset() {
  env.spans.reset();
  fake.reset();
}

/** Collected metric names → data points (cumulative). */
async function metricPoints(name) {
  env.metricExporter.reset();
  await env.reader.forceFlush();
  const out = [];
  for (const rm of env.metricExporter.getMetrics()) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) if ((m.descriptor?.name ?? m.name) === name) out.push(...m.dataPoints);
    }
  }
  return out;
}

function onlySpan() {
  const spans = env.spans.getFinishedSpans();
  assert.equal(spans.length, 1, `expected one span, got ${spans.map((s) => s.name).join(', ') || 'none'}`);
  return spans[0];
}

test(`[${mode}] plain chat completion on openai 7 records a chat span and duration metric`, async () => {
  reset();
  fake.script({ model: 'gpt-4o-mini-2024-07-18', usage: { input: 120, output: 30 } });
  const res = await client().chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(res.choices[0].message.content, 'Hello from the fake provider.');
  const span = onlySpan();
  const a = span.attributes;
  assert.equal(span.name, 'chat gpt-4o-mini');
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.request.model'], 'gpt-4o-mini');
  assert.equal(a['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(a['gen_ai.usage.input_tokens'], 120);
  assert.equal(a['gen_ai.usage.output_tokens'], 30);
  const durations = await metricPoints('gen_ai.client.operation.duration');
  assert.equal(durations.length, 1, 'one gen_ai.client.operation.duration point');
  assert.equal(durations[0].attributes['gen_ai.operation.name'], 'chat');
  assert.equal(durations[0].value.count, 1);
  const tokens = await metricPoints('gen_ai.client.token.usage');
  const byType = Object.fromEntries(tokens.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]));
  assert.deepEqual(byType, { input: 120, output: 30 });
});

test(`[${mode}] streamed chat completion on openai 7 records usage and time to first chunk`, async () => {
  reset();
  fake.script({ chunks: 4, firstChunkDelayMs: 50, chunkDelayMs: 5, usage: { input: 40, output: 12 } });
  const stream = await client().chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(Object.hasOwn(chunk, 'usage'), false, 'the injected usage chunk must stay hidden');
    chunks++;
  }
  assert.ok(chunks >= 4, `streamed ${chunks} chunks`);
  const a = onlySpan().attributes;
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.request.stream'], true);
  assert.equal(a['gen_ai.usage.input_tokens'], 40);
  assert.equal(a['gen_ai.usage.output_tokens'], 12);
  const ttfc = a['gen_ai.response.time_to_first_chunk'];
  assert.equal(typeof ttfc, 'number', 'gen_ai.response.time_to_first_chunk is set');
  assert.ok(ttfc >= 0.05, `time to first chunk ${ttfc}s >= the scripted 50 ms`);
  const durations = await metricPoints('gen_ai.client.operation.duration');
  assert.equal(
    durations.reduce((n, p) => n + p.value.count, 0),
    2,
    'duration recorded for both calls',
  );
  const ttfcPoints = await metricPoints('gen_ai.client.operation.time_to_first_chunk');
  assert.equal(ttfcPoints.length, 1);
});

test(`[${mode}] operation histograms come from the producer when the app's reader carries one`, async (t) => {
  const registry = globalThis[Symbol.for('promptscope.histograms')];
  const inProcess = (registry?.histograms ?? []).filter((h) => h.series.size > 0).map((h) => h.descriptor.name);
  if (mode !== 'producer') {
    // Without a producer every histogram goes through the SDK: nothing is aggregated in process.
    assert.deepEqual(inProcess, []);
    return;
  }
  assert.ok(inProcess.includes('gen_ai.client.operation.duration'), `in process: ${inProcess.join(', ')}`);
  const points = await metricPoints('gen_ai.client.operation.duration');
  const calls = points.reduce((n, p) => n + p.value.count, 0);
  assert.equal(calls, 2, 'the two calls above, each once: the SDK did not record them a second time');
  for (const { value } of points) {
    assert.deepEqual(value.buckets.boundaries.slice(0, 3), [0.01, 0.02, 0.04], 'the GenAI duration buckets');
    assert.equal(
      value.buckets.counts.reduce((a, b) => a + b, 0),
      value.count,
    );
    assert.ok(value.min > 0 && value.max >= value.min, 'min and max on a cumulative point');
  }
  t.diagnostic(`${points.length} duration series, ${calls} calls`);
});
