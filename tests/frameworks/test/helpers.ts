import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type FakeProvider,
  type FlatSpan,
  type NodeRun,
  type OtlpReceiver,
  resultLine,
  runNode,
  startFakeProvider,
  startOtlpReceiver,
} from '@promptscope/testing';
import { afterAll, beforeAll, expect } from 'vitest';

// Framework apps run as child processes: with the built register hook (`--import @promptscope/register`)
// and without it, against the fake provider, exporting OTLP/HTTP to the test's receiver.

export const APPS = fileURLToPath(new URL('../apps/', import.meta.url));
export const SECRET = 'sk-test-SECRET-frameworks-3b9e';
export const OPENAI_SCOPE = '@promptscope/instrumentation-openai';
export const ANTHROPIC_SCOPE = '@promptscope/instrumentation-anthropic';
export const GEMINI_SCOPE = '@promptscope/instrumentation-google-genai';

function assertBuilt(): void {
  const pkgs = [
    'core',
    'instrumentation-openai',
    'instrumentation-anthropic',
    'instrumentation-google-genai',
    'register',
  ];
  for (const pkg of pkgs) {
    const dist = fileURLToPath(new URL(`../../../packages/${pkg}/dist/index.js`, import.meta.url));
    if (!existsSync(dist))
      throw new Error(`${dist} is missing: run \`npm run build\` first (these tests use the builds)`);
  }
}

export interface AppRun extends NodeRun {
  /** The app's `{ ok: true, ... }` line. */
  out: Record<string, unknown>;
}

/** Runs an app to its end (killed by pid after timeoutMs), with or without the register hook. */
export async function runApp(
  app: string,
  opts: { hook: boolean; fake: FakeProvider; receiver: OtlpReceiver; env?: Record<string, string>; timeoutMs?: number },
): Promise<AppRun> {
  const args = opts.hook ? ['--import', '@promptscope/register', app] : [app];
  const env = {
    FAKE_URL: opts.fake.url,
    FAKE_ORIGIN: opts.fake.origin,
    OPENAI_API_KEY: SECRET,
    ANTHROPIC_API_KEY: SECRET,
    OTEL_EXPORTER_OTLP_ENDPOINT: opts.receiver.url,
    OTEL_METRIC_EXPORT_INTERVAL: '300',
    // LangChain would otherwise look for LangSmith; nothing here may leave loopback.
    LANGCHAIN_TRACING_V2: 'false',
    ...opts.env,
  };
  const run = await runNode(args, { cwd: APPS, env, timeoutMs: opts.timeoutMs ?? 20_000 });
  return { ...run, out: resultLine(run) };
}

/** A fake provider and an OTLP receiver for the file, started before its tests and closed after. */
export function useHarness(): { fake: FakeProvider; receiver: OtlpReceiver } {
  const harness = {} as { fake: FakeProvider; receiver: OtlpReceiver };
  beforeAll(async () => {
    assertBuilt();
    harness.fake = await startFakeProvider();
    harness.receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await harness.fake?.close();
    await harness.receiver?.close();
  });
  return harness;
}

/** Spans of one scope, in the order they started. */
export function spansOf(receiver: OtlpReceiver, scope: string): FlatSpan[] {
  return receiver
    .spans()
    .filter((s) => s.scope === scope)
    .sort((a, b) => a.startTimeUnixNano - b.startTimeUnixNano);
}

/**
 * One provider span per model request, in order, each with the tokens the fake was scripted to answer.
 * `modelOf` reads the requested model from a recorded request (Gemini's is in the path, not the body).
 */
export function assertOneSpanPerRequest(
  spans: FlatSpan[],
  fake: FakeProvider,
  modelOf: (req: FakeProvider['requests'][number]) => string = (req) => req.body.model,
): void {
  expect(spans).toHaveLength(fake.requests.length);
  spans.forEach((span, i) => {
    const usage = fake.requests[i].script.usage;
    expect(usage, 'every request has scripted usage').toBeDefined();
    expect(span.kind).toBe(3);
    expect(span.attributes['gen_ai.request.model']).toBe(modelOf(fake.requests[i]));
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(usage?.input);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(usage?.output);
  });
}

/** With APP_SPAN=1: the app's own span is the parent of every provider span, one per request. */
export async function assertUnderAppSpan(
  h: { fake: FakeProvider; receiver: OtlpReceiver },
  scope: string,
  modelOf?: (req: FakeProvider['requests'][number]) => string,
): Promise<void> {
  await h.receiver.waitFor(() => h.receiver.spans().some((s) => s.name === 'app.handle'));
  const app = h.receiver.spans().find((s) => s.name === 'app.handle');
  const spans = spansOf(h.receiver, scope);
  assertOneSpanPerRequest(spans, h.fake, modelOf);
  for (const span of spans) {
    expect(span.traceId).toBe(app?.traceId);
    expect(span.parentSpanId).toBe(app?.spanId);
  }
}

export function assertNoSecret(receiver: OtlpReceiver): void {
  expect(receiver.requests.length).toBeGreaterThan(0);
  for (const req of receiver.requests) expect(req.body.includes(SECRET), `secret in ${req.path}`).toBe(false);
}
