// One measurement: one variant × one workload × one transport, in a fresh `node --expose-gc` process.
// Started by bench/run.mjs (never by hand, though `node --expose-gc bench/child.mjs '<json>'` works).
// Prints one line `BENCH_RESULT <json>` on stdout; exits non-zero when the variant recorded no spans
// (a variant that silently records nothing would look free).
import { createRequire } from 'node:module';
import { context, metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { anthropicFrames, anthropicPlainBody, chunkFrames, plainBody, request, streamItems } from './workloads.mjs';

const require = createRequire(import.meta.url);
const cfg = JSON.parse(process.argv[2]);
const { variant, workload, transport } = cfg;
const capture = workload.capture === true;
const isAnthropic = workload.provider === 'anthropic';
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

// ---------------------------------------------------------------- the same OTel SDK for every variant
const counts = { spans: 0, logs: 0, metricPoints: 0, spanBatches: 0, sample: undefined, logBytes: 0 };
const strBytes = (attrs) => {
  let b = 0;
  for (const v of Object.values(attrs ?? {})) if (typeof v === 'string') b += v.length;
  return b;
};
const spanExporter = {
  export(spans, done) {
    if (counts.sample === undefined && spans.length > 0) {
      // What one span carries: proof that the variant records, and whether content capture took effect.
      const s = spans[spans.length - 1];
      counts.sample = {
        name: s.name,
        attributes: Object.keys(s.attributes).length,
        stringBytes: strBytes(s.attributes),
      };
    }
    counts.spans += spans.length;
    counts.spanBatches++;
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
};
const logExporter = {
  export(records, done) {
    counts.logs += records.length;
    for (const r of records) counts.logBytes += JSON.stringify(r.body ?? '').length;
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
};
const metricExporter = {
  export(rm, done) {
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) counts.metricPoints += m.dataPoints.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
};
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spanProcessor = new BatchSpanProcessor(spanExporter);
const tracerProvider = new BasicTracerProvider({ spanProcessors: [spanProcessor] });
trace.setGlobalTracerProvider(tracerProvider);
// The interval is far longer than any run: metric export happens once, at the end, outside the timing.
// The reader carries promptscope's MetricProducer for every variant (it reports nothing for the others),
// as the register hook's readers do and as promptscope's README tells an app with its own SDK to do;
// `promptscope-sdk-histograms` leaves it out, to size what the in-process histograms save.
const { promptscopeMetricProducer } = await import('@promptscope/core');
const metricReader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
  exportTimeoutMillis: 30_000,
  metricProducers: variant === 'promptscope-sdk-histograms' ? [] : [promptscopeMetricProducer()],
});
const meterProvider = new MeterProvider({ readers: [metricReader] });
metrics.setGlobalMeterProvider(meterProvider);
const loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: logExporter })] });
logs.setGlobalLoggerProvider(loggerProvider);

// ---------------------------------------------------------------- the variant
// Each instrumentation is loaded the way it supports. The SDK is required (CommonJS) exactly once.
// `mod` is the module object (what a require hook sees); `mod.OpenAI` / `mod.Anthropic` the class
// (`import OpenAI from 'openai'`).
let mod;
let patchedBy = 'none';
if (isAnthropic) await loadAnthropicVariant();
else await loadOpenAIVariant();

async function loadOpenAIVariant() {
  if (variant === 'baseline') {
    mod = require('openai');
  } else if (variant === 'promptscope' || variant === 'promptscope-sdk-histograms') {
    mod = require('openai');
    const { instrument } = await import('@promptscope/instrumentation-openai');
    instrument(mod.OpenAI, { captureContent: capture }); // global providers, like the others
    // The diagnostic variant differs only in its metric reader (no producer: histograms through the SDK).
    patchedBy = variant === 'promptscope' ? 'instrument(OpenAI)' : 'instrument(OpenAI), SDK histograms';
  } else if (variant === 'promptscope-nometrics') {
    // Diagnostic only (not in the default matrix): promptscope with a no-op MeterProvider, to size what its
    // metric records cost. `node bench/run.mjs --variants promptscope,promptscope-nometrics`.
    mod = require('openai');
    const { instrument } = await import('@promptscope/instrumentation-openai');
    instrument(mod.OpenAI, {
      captureContent: capture,
      meterProvider: metrics.getMeterProvider() === meterProvider ? noopMeterProvider() : undefined,
    });
    patchedBy = 'instrument(OpenAI), no-op meters';
  } else if (variant === 'otel-contrib') {
    // No manual API: its require hook patches `openai` when required after enable().
    // Content capture is read from OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT (set by the runner).
    const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
    const inst = new OpenAIInstrumentation();
    inst.setTracerProvider(tracerProvider);
    inst.setMeterProvider(meterProvider);
    inst.setLoggerProvider(loggerProvider);
    mod = require('openai');
    patchedBy = 'require hook';
  } else if (variant === 'traceloop') {
    mod = require('openai');
    const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
    const inst = new OpenAIInstrumentation({ traceContent: capture, enrichTokens: false });
    inst.setTracerProvider(tracerProvider);
    inst.manuallyInstrument(mod.OpenAI);
    patchedBy = 'manuallyInstrument(OpenAI)';
  } else if (variant === 'openinference') {
    mod = require('openai');
    const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
    const inst = new OpenAIInstrumentation({
      tracerProvider,
      traceConfig: { hideInputs: !capture, hideOutputs: !capture },
    });
    inst.manuallyInstrument(mod);
    patchedBy = 'manuallyInstrument(module)';
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
}

// @anthropic-ai/sdk 0.134+ starts its own span per call whenever a tracer provider is registered. Every
// variant's client is built with `openTelemetry: false` (below), so the baseline is truly uninstrumented
// and each variant's spans and cost are its own (promptscope turns SDK tracing off on the clients it
// instruments anyway; traceloop and openinference would otherwise add the SDK's span to theirs).
async function loadAnthropicVariant() {
  if (variant === 'baseline') {
    mod = require('@anthropic-ai/sdk');
  } else if (
    variant === 'promptscope' ||
    variant === 'promptscope-nometrics' ||
    variant === 'promptscope-sdk-histograms'
  ) {
    mod = require('@anthropic-ai/sdk');
    const { instrument } = await import('@promptscope/instrumentation-anthropic');
    const noop = variant === 'promptscope-nometrics'; // diagnostic, as for OpenAI
    instrument(mod.Anthropic, { captureContent: capture, ...(noop ? { meterProvider: noopMeterProvider() } : {}) });
    patchedBy = noop ? 'instrument(Anthropic), no-op meters' : 'instrument(Anthropic)';
  } else if (variant === 'traceloop') {
    mod = require('@anthropic-ai/sdk');
    const { AnthropicInstrumentation } = require('@traceloop/instrumentation-anthropic');
    const inst = new AnthropicInstrumentation({ traceContent: capture });
    inst.setTracerProvider(tracerProvider);
    inst.manuallyInstrument(mod);
    patchedBy = 'manuallyInstrument(module)';
  } else if (variant === 'openinference') {
    mod = require('@anthropic-ai/sdk');
    const { AnthropicInstrumentation } = require('@arizeai/openinference-instrumentation-anthropic');
    const inst = new AnthropicInstrumentation({
      tracerProvider,
      traceConfig: { hideInputs: !capture, hideOutputs: !capture },
    });
    inst.manuallyInstrument(mod);
    patchedBy = 'manuallyInstrument(module)';
  } else {
    throw new Error(`${variant} has no Anthropic instrumentation`);
  }
}
function noopMeterProvider() {
  const instrument = { record() {}, add() {} };
  const meter = { createHistogram: () => instrument, createCounter: () => instrument };
  return { getMeter: () => meter };
}

// ---------------------------------------------------------------- transports
let arrivedAt = 0; // when the first SSE chunk of the current call reached the transport
const JSON_HEADERS = { 'content-type': 'application/json', 'x-request-id': 'req_bench' };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'x-request-id': 'req_bench' };
const plainBytes = new TextEncoder().encode(JSON.stringify(isAnthropic ? anthropicPlainBody() : plainBody()));
const frames = (isAnthropic ? anthropicFrames() : chunkFrames()).map((f) => new TextEncoder().encode(f));

/** Answers at once, in process: what remains is client-side CPU. */
async function inprocFetch(_url, init) {
  if (init?.body && String(init.body).includes('"stream":true')) {
    let i = 0;
    // highWaterMark 0: nothing is enqueued until the SDK reads, so the arrival stamp is the moment the
    // chunk becomes available to the reader, not the moment the Response was built.
    const body = new ReadableStream(
      {
        pull(c) {
          if (i === 0) arrivedAt = performance.now();
          if (i < frames.length) c.enqueue(frames[i++]);
          else c.close();
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  }
  return new Response(plainBytes, { status: 200, headers: JSON_HEADERS });
}

/** Real fetch to the fake provider on loopback; a stream's body is relayed to stamp its first bytes. */
async function loopbackFetch(url, init) {
  const res = await fetch(url, init);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return res;
  const reader = res.body.getReader();
  let first = true;
  const body = new ReadableStream(
    {
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) return c.close();
        if (first) {
          first = false;
          arrivedAt = performance.now();
        }
        c.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: res.status, headers: res.headers });
}

const fetchImpl = transport === 'loopback' ? loopbackFetch : inprocFetch;
const client = isAnthropic
  ? new mod.Anthropic({
      apiKey: 'sk-ant-bench',
      // The Anthropic SDK appends /v1/messages to the origin; the fake provider's url ends in /v1.
      baseURL: transport === 'loopback' ? new URL(cfg.url).origin : 'http://bench.invalid',
      maxRetries: 0,
      fetch: fetchImpl,
      openTelemetry: false,
    })
  : new mod.OpenAI({
      apiKey: 'sk-bench',
      baseURL: transport === 'loopback' ? cfg.url : 'http://bench.invalid/v1',
      maxRetries: 0,
      fetch: fetchImpl,
    });

// ---------------------------------------------------------------- one call
const isStream = workload.stream === true;
let lastItems = 0;
let firstDelay = 0;
const create = isAnthropic ? (body) => client.messages.create(body) : (body) => client.chat.completions.create(body);
async function call() {
  const body = request(workload.kind);
  if (!isStream) {
    const r = await create(body);
    if ((isAnthropic ? r.content : r.choices).length !== 1) throw new Error('bad response');
    return;
  }
  const stream = await create(body);
  let n = 0;
  for await (const _chunk of stream) {
    if (n === 0) firstDelay = performance.now() - arrivedAt;
    n++;
  }
  lastItems = n;
}

const yieldToLoop = () => new Promise((r) => setImmediate(r));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure() {
  for (let i = 0; i < cfg.warmup; i++) {
    await call();
    if (i % 100 === 99) await yieldToLoop();
  }
  const n = cfg.calls;
  const wall = new Float64Array(n);
  const delays = isStream ? new Float64Array(n) : undefined;
  globalThis.gc();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await call();
    wall[i] = performance.now() - s;
    if (delays) delays[i] = firstDelay;
    // Timers (the span processor's, promptscope's sweeper) get their turn, as in an app.
    if (i % 100 === 99) await yieldToLoop();
  }
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  wall.sort();
  delays?.sort();
  return {
    wallMedianUs: pct(wall, 50) * 1000,
    wallP99Us: pct(wall, 99) * 1000,
    wallMeanUs: (totalMs / n) * 1000,
    cpuUs: (cpu.user + cpu.system) / n,
    firstChunk: delays ? { p50Us: pct(delays, 50) * 1000, p99Us: pct(delays, 99) * 1000 } : undefined,
  };
}

async function longRun() {
  // Heap after GC every `every` calls: flat means nothing is retained per call.
  const samples = [];
  const every = cfg.sampleEvery;
  const t0 = performance.now();
  for (let i = 0; i < cfg.calls; i++) {
    await call();
    if (i % 100 === 99) await yieldToLoop();
    if ((i + 1) % every === 0) {
      await spanProcessor.forceFlush();
      globalThis.gc();
      globalThis.gc();
      samples.push({ calls: i + 1, heapMB: process.memoryUsage().heapUsed / 2 ** 20 });
    }
  }
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

const result = { variant, workload: workload.name, transport, patchedBy, calls: cfg.calls, warmup: cfg.warmup };
// A console warning per call (e.g. the Anthropic SDK's for a deprecated model) would be measured as the
// variant's cost: count them, and fail the measurement when they come with every call.
let warnings = 0;
let firstWarning;
for (const k of ['warn', 'error']) {
  const orig = console[k];
  console[k] = (...a) => {
    warnings++;
    firstWarning ??= a.map(String).join(' ').split('\n')[0];
    orig.apply(console, a);
  };
}
// Calls run inside an active context, as in a traced app (a server request with a sampled `traceparent`):
// the context manager's async hooks then work for every variant, the baseline included, and "added" is the
// instrumentation's own cost. `--no-ambient` measures an app with no active context instead.
const ambient =
  cfg.ambient === false
    ? context.active()
    : trace.setSpan(
        context.active(),
        trace.wrapSpanContext({
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceFlags: 1,
          isRemote: true,
        }),
      );
await context.with(ambient, async () => {
  if (cfg.mode === 'long') {
    for (let i = 0; i < cfg.warmup; i++) await call();
    Object.assign(result, await longRun());
  } else {
    Object.assign(result, await measure());
  }
});
await spanProcessor.forceFlush();
await loggerProvider.forceFlush();
await metricReader.forceFlush();
globalThis.gc();
globalThis.gc();
result.heapMB = process.memoryUsage().heapUsed / 2 ** 20;
const total = cfg.warmup + cfg.calls;
result.spansPerCall = counts.spans / total;
result.logsPerCall = counts.logs / total;
result.metricPoints = counts.metricPoints;
result.spans = counts.spans;
result.spanSample = counts.sample;
result.logBytesPerCall = counts.logBytes / total;
if (isStream) result.itemsPerStream = lastItems;
if (isStream && lastItems !== streamItems(workload)) {
  result.error = `the caller saw ${lastItems} stream items, expected ${streamItems(workload)}`;
}
if (warnings >= total) result.error = `${warnings} console warnings in ${total} calls, e.g. ${firstWarning}`;
else if (warnings > 0) result.warnings = warnings;
if (variant !== 'baseline' && counts.spans === 0) result.error = `${variant} recorded no spans`;
if (variant === 'baseline' && counts.spans !== 0) result.error = 'baseline recorded spans';
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
process.exit(result.error ? 2 : 0);
