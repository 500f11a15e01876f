import { SpanKind } from '@opentelemetry/api';
import { withPrompt } from '@promptscope/core';
import { instrument } from '@promptscope/instrumentation-openai';
import { withInstrumentation } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import * as openaiV6 from 'openai-v6';
import { describe, expect, it } from 'vitest';
import {
  createFeedback,
  EVALUATION_EVENT,
  FEEDBACK_SCOPE,
  FeedbackError,
  type FeedbackErrorCode,
  feedbackToken,
  parseFeedbackToken,
  recordFeedback,
  recordImplicit,
  thumbs,
} from '../src/index.js';

const env = useEnv();
const SECRET = 'record-test-secret-0123456789';

// biome-ignore lint/suspicious/noExplicitAny: the module namespace of the SDK
const OpenAI = (openaiV6 as any).default;

/** One real instrumented chat completion against the fake provider, inside a prompt scope. */
async function complete(token = (r: unknown) => feedbackToken(r)) {
  env.fake.script({ id: 'chatcmpl-fb1', model: 'gpt-4o-mini-2024-07-18' });
  return withInstrumentation(
    () => instrument(openaiV6),
    () =>
      withPrompt({ name: 'support-reply', version: '7', label: 'production' }, async () => {
        const client = new OpenAI({ apiKey: 'sk-test', baseURL: env.fake.url, maxRetries: 0 });
        const res = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
        });
        return { res, token: token(res) };
      }),
  );
}

function completionSpan() {
  const span = env.harness.spans().find((s) => s.name === 'chat gpt-4o-mini');
  if (span === undefined) throw new Error('no completion span');
  return span;
}

function errorCode(fn: () => unknown): FeedbackErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FeedbackError) return err.code;
    throw err;
  }
  return undefined;
}

describe('recordFeedback with a real instrumented completion', () => {
  it('emits the evaluation event and a feedback span in the completion trace, and metrics by prompt version', async () => {
    const { token } = await complete();
    expect(token).toMatch(/^pf1\./);
    const completion = completionSpan().spanContext();
    expect(parseFeedbackToken(token)).toMatchObject({
      traceId: completion.traceId,
      spanId: completion.spanId,
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      responseId: 'chatcmpl-fb1',
      promptName: 'support-reply',
      promptVersion: '7',
      promptLabel: 'production',
    });

    const result = recordFeedback(token as string, {
      name: 'thumbs',
      value: false,
      comment: 'wrong refund policy',
      id: 'fb-1',
    });
    expect(result).toMatchObject({ name: 'thumbs', score: 0, label: 'fail', kind: 'explicit', source: 'user' });

    // (1) the conventions' event, with the completion as its context
    const [log] = env.harness.logs();
    expect(log.eventName).toBe(EVALUATION_EVENT);
    expect(log.instrumentationScope.name).toBe(FEEDBACK_SCOPE);
    expect(log.spanContext?.traceId).toBe(completion.traceId);
    expect(log.spanContext?.spanId).toBe(completion.spanId);
    expect(log.attributes).toEqual({
      'event.name': 'gen_ai.evaluation.result',
      'gen_ai.evaluation.name': 'thumbs',
      'gen_ai.evaluation.score.value': 0,
      'gen_ai.evaluation.score.label': 'fail',
      'gen_ai.evaluation.explanation': 'wrong refund policy',
      'gen_ai.response.id': 'chatcmpl-fb1',
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.prompt.name': 'support-reply',
      'gen_ai.prompt.version': '7',
      'promptscope.prompt.label': 'production',
      'promptscope.feedback.kind': 'explicit',
      'promptscope.feedback.source': 'user',
      'promptscope.feedback.id': 'fb-1',
    });

    // (2) a short span parented to the completion span
    const span = env.harness.spans().find((s) => s.name === 'evaluation thumbs');
    expect(span).toBeDefined();
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.spanContext().traceId).toBe(completion.traceId);
    expect(span?.parentSpanContext?.spanId).toBe(completion.spanId);
    expect(span?.attributes['gen_ai.evaluation.score.label']).toBe('fail');
    expect(span?.attributes['gen_ai.prompt.version']).toBe('7');

    // (3) metrics, low-cardinality attributes only
    const base = {
      'gen_ai.prompt.name': 'support-reply',
      'gen_ai.prompt.version': '7',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.evaluation.name': 'thumbs',
      'promptscope.feedback.kind': 'explicit',
    };
    const scores = await env.harness.metricPoints('promptscope.feedback.score');
    expect(scores).toHaveLength(1);
    expect(scores[0].attributes).toEqual(base);
    expect(scores[0].value).toMatchObject({ count: 1, sum: 0 });
    const counts = await env.harness.metricPoints('promptscope.feedback.count');
    expect(counts).toEqual([{ attributes: { ...base, 'gen_ai.evaluation.score.label': 'fail' }, value: 1 }]);
  });

  it('feedbackToken() with no argument uses the active span and prompt', async () => {
    const tracer = env.harness.tracerProvider.getTracer('app');
    const token = withPrompt({ name: 'summarize', version: '3' }, () =>
      tracer.startActiveSpan('my step', (span) => {
        const t = feedbackToken();
        span.end();
        return t;
      }),
    );
    const step = env.harness.spans().find((s) => s.name === 'my step');
    expect(parseFeedbackToken(token)).toMatchObject({
      traceId: step?.spanContext().traceId,
      spanId: step?.spanContext().spanId,
      promptName: 'summarize',
      promptVersion: '3',
    });
    expect(parseFeedbackToken(token).provider).toBeUndefined();
    expect(feedbackToken()).toBeUndefined(); // no active span
    expect(feedbackToken({ not: 'a response' })).toBeUndefined();
    expect(feedbackToken(undefined)).toBeUndefined();
  });

  it('implicit signals: scored by the mapping, raw signal kept as label, edit ratio recorded', async () => {
    const { token } = await complete();
    const t = token as string;
    expect(recordImplicit(t, 'accepted')).toMatchObject({
      name: 'implicit',
      score: 1,
      label: 'accepted',
      kind: 'implicit',
      source: 'app',
    });
    expect(recordImplicit(t, 'copied').score).toBe(0.7);
    expect(recordImplicit(t, 'edited', { editRatio: 0.25 }).score).toBe(0.75);
    expect(recordImplicit(t, 'edited', { original: 'abcdef', edited: 'abXdef' }).score).toBeCloseTo(5 / 6);
    expect(recordImplicit(t, 'regenerated').score).toBe(0);
    expect(recordImplicit(t, 'discarded').score).toBe(0);
    expect(recordImplicit(t, 'abandoned').score).toBe(0.2);
    const edited = env.harness.logs().filter((l) => l.attributes['gen_ai.evaluation.score.label'] === 'edited');
    expect(edited.map((l) => l.attributes['promptscope.feedback.edit_ratio'])).toEqual([0.25, 1 / 6]);

    expect(errorCode(() => recordImplicit(t, 'edited'))).toBe('invalid_input');
    expect(errorCode(() => recordImplicit(t, 'edited', { editRatio: 1.5 }))).toBe('value_range');
    expect(errorCode(() => recordImplicit(t, 'liked' as 'accepted'))).toBe('invalid_input');

    // The mapping is the user's to change; null records the raw signal without a score.
    const custom = createFeedback({
      implicitScores: { copied: 0.5, abandoned: null, edited: ({ editRatio }) => ((editRatio ?? 0) < 0.1 ? 1 : 0.5) },
      implicitName: 'implicit_quality',
    });
    expect(custom.implicit(t, 'copied')).toMatchObject({ name: 'implicit_quality', score: 0.5 });
    const abandoned = custom.implicit(t, 'abandoned');
    expect(abandoned.score).toBeUndefined();
    expect(abandoned.label).toBe('abandoned');
    expect(custom.implicit(t, 'edited', { editRatio: 0.05 }).score).toBe(1);
    expect(() => createFeedback({ implicitScores: { copied: Number.NaN } })).toThrow(/implicitScores.copied/);
  });

  it('validates values against declared evaluations, with clear errors', async () => {
    const { token } = await complete();
    const t = token as string;
    const fb = createFeedback({
      evaluations: {
        helpfulness: { type: 'numeric', min: 0, max: 1 },
        stars: { type: 'numeric', min: 1, max: 5, integer: true },
        tone: { type: 'categorical', categories: { friendly: 1, neutral: 0.5, rude: 0 } },
        topic: { type: 'categorical', categories: ['billing', 'shipping'] },
      },
    });
    expect(fb.record(t, { name: 'helpfulness', value: 0.8 }).score).toBe(0.8);
    expect(fb.record(t, { name: 'stars', value: 4 }).score).toBe(4);
    expect(fb.record(t, { name: 'tone', value: 'neutral', kind: 'label' })).toMatchObject({
      score: 0.5,
      label: 'neutral',
      source: 'annotator',
    });
    const topic = fb.record(t, { name: 'topic', value: 'billing', kind: 'label' });
    expect(topic.score).toBeUndefined();
    expect(topic.label).toBe('billing');
    // Undeclared names: numbers and booleans are accepted as is.
    expect(fb.record(t, { name: 'latency_ok', value: true })).toMatchObject({ score: 1, label: 'pass' });
    expect(fb.record(t, { name: 'custom', value: 42 }).score).toBe(42);

    const bad = (input: Parameters<typeof fb.record>[1]) => {
      try {
        fb.record(t, input);
      } catch (err) {
        expect(err).toBeInstanceOf(FeedbackError);
        return err as FeedbackError;
      }
      throw new Error(`accepted ${JSON.stringify(input)}`);
    };
    let e = bad({ name: 'helpfulness', value: 1.5 });
    expect(e.code).toBe('value_range');
    expect(e.message).toBe('Feedback "helpfulness": 1.5 is outside the declared range 0..1.');
    expect(bad({ name: 'stars', value: 3.5 }).code).toBe('value_range');
    expect(bad({ name: 'helpfulness', value: Number.NaN }).code).toBe('value_range');
    e = bad({ name: 'helpfulness', value: 'great' });
    expect(e.code).toBe('value_type');
    expect(e.message).toMatch(/declared numeric: expected a number, got "great"/);
    e = bad({ name: 'tone', value: 'sarcastic' });
    expect(e.code).toBe('value_category');
    expect(e.message).toBe('Feedback "tone": unknown category "sarcastic"; allowed: "friendly", "neutral", "rude".');
    expect(bad({ name: 'tone', value: 1 }).code).toBe('value_type');
    expect(bad({ name: 'thumbs', value: 1 }).message).toMatch(/declared boolean: expected true or false, got 1/);
    e = bad({ name: 'mood', value: 'happy' });
    expect(e.code).toBe('evaluation_unknown');
    expect(e.message).toMatch(/defineEvaluation\('mood'/);
    expect(bad({ name: '', value: 1 }).code).toBe('invalid_input');
    expect(bad({ name: 'x', value: 1, kind: 'vibe' as 'label' }).message).toMatch(/Unknown feedback kind "vibe"/);
    expect(bad({ name: 'x', value: 1, source: 'bot' as 'app' }).message).toMatch(/Unknown feedback source "bot"/);
    expect(bad({ name: 'x', value: null as unknown as number }).code).toBe('value_type');

    const strict = createFeedback({ strict: true, evaluations: { helpfulness: { type: 'numeric' } } });
    expect(errorCode(() => strict.record(t, { name: 'custom', value: 1 }))).toBe('evaluation_unknown');
    expect(strict.record(t, { name: 'helpfulness', value: 7 }).score).toBe(7);

    expect(() => createFeedback({ evaluations: { r: { type: 'numeric', min: 5, max: 1 } } })).toThrow(/min/);
    expect(() => createFeedback({ evaluations: { r: { type: 'categorical', categories: [] } } })).toThrow(/categories/);
    expect(() => createFeedback({ evaluations: { r: { type: 'stars' } as never } })).toThrow(/unknown type "stars"/);

    // Rejections are counted by error.type, never with ids.
    const rejected = await env.harness.metricPoints('promptscope.feedback.rejected');
    const byType = Object.fromEntries(rejected.map((p) => [p.attributes['error.type'], p.value]));
    expect(byType).toMatchObject({ value_range: 3, value_type: 4, value_category: 1, evaluation_unknown: 2 });
  });

  it('bad tokens: clear errors, nothing emitted', async () => {
    for (const [token, code, message] of [
      ['', 'token_malformed', /empty/],
      ['not-a-token', 'token_malformed', /does not start with "pf1\."/],
      ['pf9.AAAA', 'token_version', /pf9/],
      [`pf1.${Buffer.alloc(26).toString('base64url')}`, 'token_malformed', /all zeros/],
    ] as const) {
      try {
        thumbs(token, true);
        expect.unreachable();
      } catch (err) {
        expect((err as FeedbackError).code).toBe(code);
        expect((err as Error).message).toMatch(message);
      }
    }
    expect(env.harness.logs()).toHaveLength(0);
    expect(env.harness.spans()).toHaveLength(0);
  });

  it('with a secret: signed tokens record, forged and unsigned ones are refused', async () => {
    const signer = createFeedback({ secret: SECRET });
    const { token } = await complete((r) => signer.token(r));
    const t = token as string;
    expect(t.split('.')).toHaveLength(3);
    expect(signer.thumbs(t, true).score).toBe(1);

    const unsigned = createFeedback().token(completionOfSpan()) as string;
    expect(unsigned.split('.')).toHaveLength(2);
    expect(errorCode(() => signer.thumbs(unsigned, true))).toBe('token_signature');
    // A process without the secret cannot check a signed token, and says so.
    const noSecret = createFeedback();
    try {
      noSecret.thumbs(t, true);
      expect.unreachable();
    } catch (err) {
      expect((err as FeedbackError).code).toBe('token_signature');
      expect((err as Error).message).toMatch(/PROMPTSCOPE_FEEDBACK_SECRET/);
    }
    const other = createFeedback({ secret: 'some-other-secret-0123456789' });
    expect(errorCode(() => other.thumbs(t, true))).toBe('token_signature');
    expect(() => createFeedback({ secret: 'short' })).toThrow(/at least 16 characters/);
  });

  it('reads the secret from PROMPTSCOPE_FEEDBACK_SECRET, a comma-separated list during a rotation', async () => {
    const before = process.env.PROMPTSCOPE_FEEDBACK_SECRET;
    try {
      process.env.PROMPTSCOPE_FEEDBACK_SECRET = SECRET;
      const { token } = await complete();
      expect((token as string).split('.')).toHaveLength(3);
      process.env.PROMPTSCOPE_FEEDBACK_SECRET = `new-secret-0123456789abcd,${SECRET}`;
      expect(thumbs(token as string, true).score).toBe(1);
    } finally {
      if (before === undefined) delete process.env.PROMPTSCOPE_FEEDBACK_SECRET;
      else process.env.PROMPTSCOPE_FEEDBACK_SECRET = before;
    }
  });

  it('last wins: repeated feedback with one id is all emitted; readers keep the latest per id', async () => {
    const { token } = await complete();
    thumbs(token as string, true, { id: 'conv-1:msg-2' });
    thumbs(token as string, false, { id: 'conv-1:msg-2' });
    const records = env.harness.logs().filter((l) => l.attributes['promptscope.feedback.id'] === 'conv-1:msg-2');
    expect(records.map((l) => l.attributes['gen_ai.evaluation.score.label'])).toEqual(['pass', 'fail']);
    const latest = [...records].sort((a, b) => compareHr(a.hrTime, b.hrTime)).at(-1);
    expect(latest?.attributes['gen_ai.evaluation.score.label']).toBe('fail');
  });

  it('links the request that carried the feedback, while the parent stays the completion', async () => {
    const { token } = await complete();
    const completion = completionSpan().spanContext();
    const tracer = env.harness.tracerProvider.getTracer('server');
    tracer.startActiveSpan('POST /api/feedback', (request) => {
      thumbs(token as string, true);
      request.end();
    });
    const request = env.harness.spans().find((s) => s.name === 'POST /api/feedback');
    const fb = env.harness.spans().find((s) => s.name === 'evaluation thumbs');
    expect(fb?.parentSpanContext?.spanId).toBe(completion.spanId);
    expect(fb?.links.map((l) => l.context.spanId)).toEqual([request?.spanContext().spanId]);
  });

  it('fails open when the telemetry pipeline throws', async () => {
    const { token } = await complete();
    const broken = createFeedback({
      loggerProvider: {
        getLogger: () => {
          throw new Error('logger boom');
        },
      },
    });
    expect(broken.thumbs(token as string, true).score).toBe(1);
    expect(env.harness.spans().some((s) => s.name === 'evaluation thumbs')).toBe(true);
    const errors = await env.harness.metricPoints('promptscope.instrumentation.errors');
    expect(errors.find((p) => p.attributes.stage === 'feedback.event')?.value).toBe(1);
  });
});

function compareHr(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** A CompletionRef-shaped object for the last completion span (token from a ref, not a result). */
function completionOfSpan() {
  const ctx = completionSpan().spanContext();
  return { traceId: ctx.traceId, spanId: ctx.spanId, traceFlags: ctx.traceFlags, provider: 'openai' };
}
