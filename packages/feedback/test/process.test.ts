import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type FakeProvider,
  type NodeRun,
  type OtlpReceiver,
  resultLine,
  runNode,
  startFakeProvider,
  startOtlpReceiver,
} from '@promptscope/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The two-process test: process A makes a completion and prints its token; process B, a separate
// `node --import @promptscope/register` process, records feedback with it. Both export OTLP/HTTP to one
// receiver. Needs the builds (`npm run build` at the root).

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface Run extends NodeRun {
  out: Record<string, unknown>;
}

async function run(args: string[], env: Record<string, string>): Promise<Run> {
  const r = await runNode(args, { cwd: fixtures, env, timeoutMs: 20_000 });
  return { ...r, out: resultLine(r) };
}

let fake: FakeProvider;
let receiver: OtlpReceiver;

beforeAll(async () => {
  for (const pkg of ['core', 'feedback', 'instrumentation-openai', 'register']) {
    const dist = fileURLToPath(new URL(`../../${pkg}/dist/index.js`, import.meta.url));
    if (!existsSync(dist))
      throw new Error(`${dist} is missing: run \`npm run build\` first (process tests use the builds)`);
  }
  fake = await startFakeProvider({ defaultScript: { id: 'chatcmpl-two-proc', model: 'gpt-4o-mini-2024-07-18' } });
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await fake?.close();
  await receiver?.close();
});

beforeEach(() => receiver.reset());

const env = (service: string, extra: Record<string, string> = {}) => ({
  FAKE_URL: fake.url,
  OPENAI_API_KEY: 'sk-test-two-process',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_METRIC_EXPORT_INTERVAL: '200',
  OTEL_SERVICE_NAME: service,
  ...extra,
});

/** Process A: one completion; returns its token and the completion span as exported. */
async function processA(extra: Record<string, string> = {}) {
  const a = await run(['--import', '@promptscope/register', 'a.mjs'], env('app-a', extra));
  expect(a.code, a.stderr).toBe(0);
  expect(a.out.token).toMatch(/^pf1\./);
  await receiver.waitFor(() => receiver.spans().some((s) => s.name === 'chat gpt-4o-mini'));
  const completion = receiver.spans().find((s) => s.name === 'chat gpt-4o-mini');
  if (completion === undefined) throw new Error('no completion span from A');
  expect(completion.resource['service.name']).toBe('app-a');
  expect(completion.attributes['gen_ai.prompt.version']).toBe('7');
  return { token: a.out.token as string, completion };
}

describe('two processes: A makes a completion, B records feedback with its token', () => {
  it('B’s evaluation event and feedback span are in A’s trace, pointing at A’s completion span; B’s metrics carry A’s prompt version', async () => {
    const { token, completion } = await processA();

    const b = await run(['--import', '@promptscope/register', 'b.mjs', token], env('feedback-b'));
    expect(b.code, b.stderr).toBe(0);
    expect(b.out.ok).toBe(true);

    await receiver.waitFor(
      () =>
        receiver.logs().length >= 2 &&
        receiver.spans().filter((s) => s.name.startsWith('evaluation ')).length >= 2 &&
        receiver.metrics().some((m) => m.name === 'promptscope.feedback.count'),
    );

    // The evaluation events: B's process, A's trace, A's completion span.
    const events = receiver.logs().filter((l) => l.eventName === 'gen_ai.evaluation.result');
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.resource['service.name']).toBe('feedback-b');
      expect(event.scope).toBe('@promptscope/feedback');
      expect(event.traceId).toBe(completion.traceId);
      expect(event.spanId).toBe(completion.spanId);
      expect(event.attributes['gen_ai.prompt.name']).toBe('support-reply');
      expect(event.attributes['gen_ai.prompt.version']).toBe('7');
      expect(event.attributes['gen_ai.response.id']).toBe('chatcmpl-two-proc');
      expect(event.attributes['gen_ai.provider.name']).toBe('openai');
    }
    const thumbs = events.find((e) => e.attributes['gen_ai.evaluation.name'] === 'thumbs');
    expect(thumbs?.attributes).toMatchObject({
      'gen_ai.evaluation.score.value': 0,
      'gen_ai.evaluation.score.label': 'fail',
      'gen_ai.evaluation.explanation': 'refund policy is wrong',
      'promptscope.feedback.id': 'fb-1',
      'promptscope.feedback.kind': 'explicit',
    });
    const edited = events.find((e) => e.attributes['gen_ai.evaluation.name'] === 'implicit');
    expect(edited?.attributes).toMatchObject({
      'gen_ai.evaluation.score.value': 0.75,
      'gen_ai.evaluation.score.label': 'edited',
      'promptscope.feedback.edit_ratio': 0.25,
    });

    // The feedback spans: children of A's completion span, so Jaeger shows them in A's trace.
    const spans = receiver.spans().filter((s) => s.name.startsWith('evaluation '));
    expect(spans.map((s) => s.name).sort()).toEqual(['evaluation implicit', 'evaluation thumbs']);
    for (const span of spans) {
      expect(span.resource['service.name']).toBe('feedback-b');
      expect(span.traceId).toBe(completion.traceId);
      expect(span.parentSpanId).toBe(completion.spanId);
      expect(span.kind).toBe(1);
    }

    // The metrics: labelled with A's prompt name and version and model, from the token alone.
    const count = receiver.metrics().find((m) => m.name === 'promptscope.feedback.count');
    expect(count?.resource['service.name']).toBe('feedback-b');
    const thumbsPoint = count?.points.find((p) => p.attributes['gen_ai.evaluation.name'] === 'thumbs');
    expect(thumbsPoint?.attributes).toEqual({
      'gen_ai.prompt.name': 'support-reply',
      'gen_ai.prompt.version': '7',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.evaluation.name': 'thumbs',
      'promptscope.feedback.kind': 'explicit',
      'gen_ai.evaluation.score.label': 'fail',
    });
    expect(thumbsPoint?.value).toBe(1);
    const score = receiver.metrics().find((m) => m.name === 'promptscope.feedback.score');
    expect(score?.unit).toBe('1');
    const implicitPoint = score?.points.find((p) => p.attributes['gen_ai.evaluation.name'] === 'implicit');
    expect(implicitPoint?.attributes['gen_ai.prompt.version']).toBe('7');
    expect(implicitPoint?.sum).toBe(0.75);
    expect(implicitPoint?.count).toBe(1);
  });

  it('CommonJS: B loaded with -r and require() records into A’s trace too', async () => {
    const { token, completion } = await processA();
    const b = await run(['-r', '@promptscope/register', 'b.cjs', token], env('feedback-b-cjs'));
    expect(b.code, b.stderr).toBe(0);
    await receiver.waitFor(
      () => receiver.logs().length >= 1 && receiver.spans().some((s) => s.name === 'evaluation thumbs'),
    );
    const [event] = receiver.logs();
    expect(event.traceId).toBe(completion.traceId);
    expect(event.spanId).toBe(completion.spanId);
    expect(event.attributes['promptscope.feedback.id']).toBe('fb-cjs');
    expect(receiver.spans().find((s) => s.name === 'evaluation thumbs')?.parentSpanId).toBe(completion.spanId);
  });

  it('signed tokens across processes; a bad or forged token in B is a clear error and emits nothing', async () => {
    const SECRET = 'two-process-secret-0123456789';
    const { token } = await processA({ PROMPTSCOPE_FEEDBACK_SECRET: SECRET });
    expect(token.split('.')).toHaveLength(3);
    receiver.reset();

    const ok = await run(
      ['--import', '@promptscope/register', 'b.mjs', token],
      env('b', { PROMPTSCOPE_FEEDBACK_SECRET: SECRET }),
    );
    expect(ok.out.ok).toBe(true);

    const wrong = await run(
      ['--import', '@promptscope/register', 'b.mjs', token],
      env('b', { PROMPTSCOPE_FEEDBACK_SECRET: 'not-the-same-secret-0123456789' }),
    );
    expect(wrong.code).toBe(2);
    expect(wrong.out).toMatchObject({ ok: false, code: 'token_signature' });
    expect(wrong.out.message).toMatch(/signature does not match/);

    const garbage = await run(['--import', '@promptscope/register', 'b.mjs', 'hello'], env('b'));
    expect(garbage.code).toBe(2);
    expect(garbage.out).toMatchObject({ ok: false, code: 'token_malformed' });
    expect(garbage.out.message).toMatch(/does not start with "pf1\."/);

    await receiver.waitFor(() => receiver.logs().length >= 2);
    // Only the valid run's two records arrived.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.logs()).toHaveLength(2);
  });
});
