import { OpenTelemetry } from '@ai-sdk/otel';
import { ATTR, hashUserId, METRIC, withPrompt, withSegment, withUser } from '@promptscope/core';
import { feedbackToken, parseFeedbackToken, thumbs } from '@promptscope/feedback';
import { diagnostics } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import { generateText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { completionOf, promptscopeTelemetry } from '../src/index.js';
import {
  ANTHROPIC_KEY,
  ANTHROPIC_MODEL,
  anthropic,
  listPrice,
  listPriceCached,
  modelSpans,
  OPENAI_KEY,
  OPENAI_MODEL,
  openai,
} from './helpers.js';

const env = useEnv();
afterEach(() => {
  expect(diagnostics).toEqual([]);
});

describe('generateText', () => {
  it('OpenAI chat: one model-call span, theirs, with cost, prompt and segment; metrics recorded once', async () => {
    env.fake.script({ usage: { input: 1200, output: 300 }, content: 'Hi there.' });
    const ps = promptscopeTelemetry();
    const result = await withPrompt({ name: 'greet', version: '3' }, () =>
      withSegment('pro', () =>
        generateText({
          model: openai(env).chat(OPENAI_MODEL),
          prompt: 'hello',
          maxRetries: 0,
          telemetry: { integrations: ps },
        }),
      ),
    );
    expect(result.text).toBe('Hi there.');
    const spans = env.harness.spans();
    // The AI SDK's own three spans and no other: root, step, model call.
    expect(spans.map((s) => s.name).sort()).toEqual([`chat ${OPENAI_MODEL}`, `invoke_agent ${OPENAI_MODEL}`, 'step 1']);
    const [span] = modelSpans(spans);
    expect(span.instrumentationScope.name).toBe('gen_ai');
    const a = span.attributes;
    expect(a[ATTR.PROVIDER_NAME]).toBe('openai');
    expect(a[ATTR.USAGE_INPUT_TOKENS]).toBe(1200);
    expect(a[ATTR.USAGE_OUTPUT_TOKENS]).toBe(300);
    const cost = listPrice('openai', OPENAI_MODEL, 1200, 300);
    expect(a[ATTR.COST_USD]).toBeCloseTo(cost, 12);
    expect(a[ATTR.PROMPT_NAME]).toBe('greet');
    expect(a[ATTR.PROMPT_VERSION]).toBe('3');
    expect(a[ATTR.USER_SEGMENT]).toBe('pro');
    expect(a[ATTR.ENDUSER_ID]).toBeUndefined();
    // The operation's span carries the prompt and segment for grouping, but no cost (counted once).
    const root = spans.find((s) => s.name.startsWith('invoke_agent'));
    expect(root?.attributes[ATTR.PROMPT_NAME]).toBe('greet');
    expect(root?.attributes[ATTR.COST_USD]).toBeUndefined();

    const metricAttrs = {
      [ATTR.OPERATION_NAME]: 'chat',
      [ATTR.PROVIDER_NAME]: 'openai',
      [ATTR.REQUEST_MODEL]: OPENAI_MODEL,
      [ATTR.RESPONSE_MODEL]: OPENAI_MODEL,
      [ATTR.PROMPT_NAME]: 'greet',
      [ATTR.PROMPT_VERSION]: '3',
      [ATTR.USER_SEGMENT]: 'pro',
    };
    expect(await env.harness.metricPoints(METRIC.COST)).toEqual([{ attributes: metricAttrs, value: cost }]);
    const duration = await env.harness.metricPoints('gen_ai.client.operation.duration');
    expect(duration).toHaveLength(1);
    expect(duration[0].attributes).toEqual(metricAttrs);
    expect((duration[0].value as { count: number }).count).toBe(1);
    const tokens = await env.harness.metricPoints(METRIC.TOKEN_USAGE);
    expect(
      tokens.map((p) => [p.attributes[ATTR.TOKEN_TYPE], (p.value as { sum: number; count: number }).sum]).sort(),
    ).toEqual([
      ['input', 1200],
      ['output', 300],
    ]);
    for (const p of tokens) expect((p.value as { count: number }).count).toBe(1);

    // Feedback: the result resolves to the model-call span…
    const ref = completionOf(result);
    expect(ref).toMatchObject({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      provider: 'openai',
      model: OPENAI_MODEL,
      responseId: a[ATTR.RESPONSE_ID],
      promptName: 'greet',
      promptVersion: '3',
    });
    expect(completionOf(result.steps[0])?.spanId).toBe(span.spanContext().spanId);
    // …and feedback through @promptscope/feedback points at it, from a token that crossed a process boundary.
    const token = feedbackToken(completionOf(result));
    expect(token).toBeTypeOf('string');
    expect(parseFeedbackToken(token as string)).toMatchObject({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      promptName: 'greet',
    });
    thumbs(token as string, true);
    const logged = env.harness.logs().filter((l) => l.attributes['gen_ai.evaluation.name'] === 'thumbs');
    expect(logged).toHaveLength(1);
    expect(logged[0].spanContext?.spanId).toBe(span.spanContext().spanId);
    expect(logged[0].attributes[ATTR.RESPONSE_ID]).toBe(a[ATTR.RESPONSE_ID]);
    expect(completionOf({ text: 'not an AI SDK result' })).toBeUndefined();
  });

  it('Anthropic: cache reads and writes priced at their own rates; the hashed user when asked', async () => {
    env.fake.script({ usage: { input: 1000, cached: 200, cacheWrite: 100, output: 50 } });
    const ps = promptscopeTelemetry({ hashUserId: true, userIdSalt: 'pepper' });
    const result = await withUser('user-42', () =>
      generateText({
        model: anthropic(env)(ANTHROPIC_MODEL),
        prompt: 'hello',
        maxRetries: 0,
        telemetry: { integrations: ps },
      }),
    );
    expect(result.text).toBe('Hello from the fake provider.');
    const spans = modelSpans(env.harness.spans());
    expect(spans).toHaveLength(1);
    const a = spans[0].attributes;
    expect(a[ATTR.PROVIDER_NAME]).toBe('anthropic');
    expect(a[ATTR.USAGE_INPUT_TOKENS]).toBe(1300);
    expect(a[ATTR.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(200);
    expect(a[ATTR.COST_USD]).toBeCloseTo(
      listPriceCached('anthropic', ANTHROPIC_MODEL, { input: 1000, cacheRead: 200, cacheWrite: 100, output: 50 }),
      12,
    );
    expect(a[ATTR.ENDUSER_ID]).toBe(hashUserId('user-42', 'pepper'));
    expect(JSON.stringify(env.harness.spans().map((s) => s.attributes))).not.toContain('user-42');
    expect(completionOf(result)?.spanId).toBe(spans[0].spanContext().spanId);
  });

  it('an unknown model: cost unknown, never 0', async () => {
    env.fake.script({ usage: { input: 10, output: 5 } });
    await generateText({
      model: openai(env).chat('my-private-finetune'),
      prompt: 'hello',
      maxRetries: 0,
      telemetry: { integrations: promptscopeTelemetry() },
    });
    const [span] = modelSpans(env.harness.spans());
    expect(span.attributes[ATTR.COST_USD]).toBeUndefined();
    expect(span.attributes[ATTR.COST_UNPRICED]).toBe(true);
    expect(await env.harness.metricPoints(METRIC.COST)).toEqual([]);
    expect((await env.harness.metricPoints(METRIC.UNPRICED)).map((p) => p.value)).toEqual([1]);
  });

  it('two steps (a tool call, then the answer): one enriched span per model call', async () => {
    const { tool, stepCountIs } = await import('ai');
    const { z } = await import('zod');
    env.fake.enqueue(
      {
        toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }],
        usage: { input: 100, output: 20 },
      },
      { content: 'Sunny.', usage: { input: 150, output: 10 } },
    );
    const result = await generateText({
      model: openai(env).chat(OPENAI_MODEL),
      prompt: 'weather in Paris?',
      tools: { weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => 'sunny' }) },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      telemetry: { integrations: promptscopeTelemetry() },
    });
    expect(result.text).toBe('Sunny.');
    const spans = modelSpans(env.harness.spans()).filter((s) => s.name.startsWith('chat'));
    expect(spans.map((s) => s.attributes[ATTR.USAGE_INPUT_TOKENS]).sort()).toEqual([100, 150]);
    expect(spans.map((s) => s.attributes[ATTR.COST_USD])).toEqual(
      expect.arrayContaining([listPrice('openai', OPENAI_MODEL, 100, 20), listPrice('openai', OPENAI_MODEL, 150, 10)]),
    );
    const total = (await env.harness.metricPoints(METRIC.COST)).reduce((s, p) => s + (p.value as number), 0);
    expect(total).toBeCloseTo(listPrice('openai', OPENAI_MODEL, 250, 30), 12);
    // The result's feedback token is the final model call's.
    const last = spans.find((s) => s.attributes[ATTR.USAGE_INPUT_TOKENS] === 150);
    expect(completionOf(result)?.spanId).toBe(last?.spanContext().spanId);
  });

  it('content is captured only when opted in, and then on the same span', async () => {
    env.fake.script({ content: 'Secret answer.' });
    await generateText({
      model: openai(env).chat(OPENAI_MODEL),
      prompt: 'secret question',
      maxRetries: 0,
      telemetry: { integrations: promptscopeTelemetry({ captureContent: true }) },
    });
    const [span] = modelSpans(env.harness.spans());
    expect(String(span.attributes[ATTR.INPUT_MESSAGES])).toContain('secret question');
    expect(String(span.attributes[ATTR.OUTPUT_MESSAGES])).toContain('Secret answer.');
    await env.harness.reset();
    await generateText({
      model: openai(env).chat(OPENAI_MODEL),
      prompt: 'secret question',
      maxRetries: 0,
      telemetry: { integrations: promptscopeTelemetry() },
    });
    const exported = await env.harness.exported();
    expect(exported).not.toContain('secret question');
    expect(exported).not.toContain('Secret answer.');
    expect(exported).not.toContain(OPENAI_KEY);
    expect(exported).not.toContain(ANTHROPIC_KEY);
  });

  it('the caller gets the same result with, without and with only @ai-sdk/otel', async () => {
    const run = async (integrations: unknown) => {
      env.fake.script({ content: 'Same.', usage: { input: 9, output: 4 }, id: 'chatcmpl-fixed' });
      const r = await generateText({
        model: openai(env).chat(OPENAI_MODEL),
        prompt: 'hello',
        maxRetries: 0,
        telemetry: integrations === undefined ? { isEnabled: false } : { integrations: integrations as never },
      });
      return {
        text: r.text,
        usage: r.usage,
        finishReason: r.finishReason,
        responseId: r.response.id,
        steps: r.steps.length,
        content: r.content,
      };
    };
    const withPs = await run(promptscopeTelemetry());
    const without = await run(undefined);
    const otelOnly = await run(new OpenTelemetry());
    expect(withPs).toEqual(without);
    expect(withPs).toEqual(otelOnly);
    expect(withPs.text).toBe('Same.');
  });
});
