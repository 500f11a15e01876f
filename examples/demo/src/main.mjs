/**
 * `npm run demo`: runs the demo app under the register hook against a fake provider (or the real API
 * with --real), collects what it exports over OTLP, and prints a summary computed from that telemetry
 * alone: per prompt version, per provider and model, and the fallback route's outcomes.
 */
import { ATTR } from '@promptscope/core';
import { startFakeProvider, startOtlpReceiver } from '@promptscope/testing';
import { readOptions, USAGE } from './args.mjs';
import { childEnv, resolveRegister, runApp } from './child.mjs';
import { gateRun, gateScenario } from './gate.mjs';
import { scenario } from './scenario.mjs';
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
  NEGATIVE_SCORE,
  routeOutcomes,
  summarize,
  summarizeProviders,
  summarizeSegments,
} from './summary.mjs';
import { startTee } from './tee.mjs';

const WAIT_MS = 10_000;
const DURATION_METRIC = 'gen_ai.client.operation.duration';

/** @param {string} message */
function fail(message) {
  console.error(`[demo] ${message}`);
  process.exitCode = 1;
}

async function main() {
  const opts = readOptions(process.argv.slice(2), process.env);
  if ('help' in opts) return console.log(USAGE);
  if ('error' in opts) return fail(`${opts.error}\n${USAGE}`);

  let registerUrl;
  try {
    registerUrl = resolveRegister();
  } catch (err) {
    return fail(
      `cannot resolve @promptscope/register (${err instanceof Error ? err.message : err}); run npm run build`,
    );
  }

  /** @type {{ close(): Promise<void> }[]} */
  const open = [];
  try {
    const receiver = await startOtlpReceiver();
    open.push(receiver);
    let exportUrl = receiver.url;
    let tee;
    if (opts.endpoint !== undefined) {
      tee = await startTee(receiver.url, opts.endpoint);
      open.unshift(tee);
      exportUrl = tee.url;
    }

    let baseUrl = process.env.OPENAI_BASE_URL;
    let anthropicUrl;
    /** @type {import('@promptscope/testing').FakeProvider | undefined} */
    let fake;
    if (!opts.real) {
      // One fake serves the three wires: OpenAI under /v1 (baseUrl), Anthropic and Gemini at its origin.
      fake = await startFakeProvider({ host: '127.0.0.1' });
      open.push(fake);
      fake.script(scenario(opts.seed));
      baseUrl = fake.url;
      anthropicUrl = fake.origin;
    }

    const target = opts.real ? 'api.openai.com' : `fake provider ${baseUrl}`;
    const sink =
      opts.endpoint !== undefined ? `${opts.endpoint} (and the demo's receiver)` : `receiver ${receiver.url}`;
    console.log(`[demo] ${opts.calls} calls to ${target}; telemetry to ${sink}`);

    const started = Date.now();
    const exit = await runApp(
      registerUrl,
      childEnv(process.env, {
        OTEL_SERVICE_NAME: 'promptscope-demo',
        OTEL_EXPORTER_OTLP_ENDPOINT: exportUrl,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OPENAI_BASE_URL: baseUrl,
        OPENAI_API_KEY: opts.real ? process.env.OPENAI_API_KEY : 'sk-demo-not-a-real-key',
        ANTHROPIC_BASE_URL: anthropicUrl,
        ANTHROPIC_API_KEY: opts.real ? undefined : 'sk-ant-demo-not-a-real-key',
        GEMINI_BASE_URL: anthropicUrl,
        GEMINI_API_KEY: opts.real ? undefined : 'demo-gemini-not-a-real-key',
        DEMO_OPENAI_ONLY: opts.real ? '1' : undefined,
        DEMO_CALLS: String(opts.calls),
        DEMO_SEED: String(opts.seed),
      }),
    );
    if (exit.code !== 0) {
      return fail(`the app exited with ${exit.signal ?? `code ${exit.code}`}; see its output above`);
    }

    const genAiSpans = () => receiver.spans().filter((s) => s.attributes[ATTR.OPERATION_NAME] !== undefined);
    try {
      await receiver.waitFor(() => genAiSpans().length > 0, WAIT_MS);
    } catch {
      return fail(
        `no spans reached the receiver within ${WAIT_MS / 1000} s: is the register hook built? run npm run build`,
      );
    }
    // Spans arrive before the app exits (register flushes on exit); allow a moment for stragglers.
    await receiver.waitFor(() => genAiSpans().length >= opts.calls, 2000).catch(() => {});
    const spans = genAiSpans();
    const routes = routeOutcomes(receiver.spans());
    // Feedback: the gen_ai.evaluation.result events (the `evaluation <name>` spans when no logs arrived).
    const events = feedbackFromLogs(receiver.logs());
    const feedback = events.length > 0 ? events : feedbackFromSpans(receiver.spans());
    const seconds = ((Date.now() - started) / 1000).toFixed(1);

    console.log(`\n[demo] ${spans.length} spans and ${receiver.metrics().length} metric exports in ${seconds} s\n`);
    console.log(formatTable(summarize(spans, feedback)));
    console.log(`\nquality: ${feedback.length} feedback records (thumbs and implicit signals; last wins per id);`);
    console.log(`mean score on 0..1; negative: share of scores <= ${NEGATIVE_SCORE}\n`);
    console.log(formatProviderTable(summarizeProviders(spans)));
    console.log(`\ncalls: provider requests (one span each; a routed call's retries and fallback count one each)`);
    console.log(`latency: successful calls, span start to end; ttft: streamed calls only\n`);
    console.log(formatRoutes(routes));
    console.log('');
    console.log(formatSegmentTable(summarizeSegments(spans)));
    console.log(`\nsegment: promptscope.user.segment (withSegment); USD/call: per priced call; share: of the cost\n`);
    console.log(formatMetricSeries(metricSeries(receiver.metrics())));
    if (!receiver.metrics().some((m) => m.name === DURATION_METRIC)) {
      console.warn(`[demo] warning: no ${DURATION_METRIC} metric arrived`);
    }
    for (const [message, count] of instrumentationErrors(spans)) {
      console.warn(`[demo] warning: promptscope reported an internal error on ${count} span(s): ${message}`);
    }
    if (tee !== undefined && tee.remoteFailures() > 0) {
      console.warn(`[demo] warning: ${tee.remoteFailures()} export(s) to ${opts.endpoint} failed`);
    }
    if (spans.length < opts.calls) console.warn(`[demo] warning: expected ${opts.calls} spans, got ${spans.length}`);

    // The loop's other half: would v2 pass the gate before it goes to production? (Not with --real: it costs.)
    if (fake !== undefined) {
      fake.reset();
      fake.script(gateScenario());
      console.log('\n[demo] the gate: promptscope test support-reply --candidate 2 --baseline production\n');
      const { text } = await gateRun({ baseUrl: fake.url });
      console.log(text.trimEnd());
    }
  } finally {
    for (const o of open) await o.close();
  }
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
