import { beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_MAJORS, BEDROCK_MODEL, bedrockClient } from './bedrock-adapter.js';
import { type Any, API_KEY, instrumented, listPrice, only, useEnv } from './helpers.js';

const env = useEnv();

const body = (extra: Record<string, unknown> = {}) => ({
  model: BEDROCK_MODEL,
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe.each(BEDROCK_MAJORS)('%s', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await import(major);
  });

  it('a message: aws.bedrock, the caller’s model, tokens, finish reason and Bedrock’s list price', async () => {
    env.fake.script({ usage: { input: 1500, output: 220 } });
    const res = await instrumented(mod, () => bedrockClient(mod, env.fake, API_KEY).messages.create(body()));
    expect(res.content[0].text).toBe('Hello from the fake provider.');
    const [sent] = env.fake.requests;
    expect(decodeURIComponent(sent.path)).toBe(`/model/${BEDROCK_MODEL}/invoke`);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('aws.bedrock');
    expect(a['gen_ai.request.model']).toBe(BEDROCK_MODEL);
    expect(a['gen_ai.usage.input_tokens']).toBe(1500);
    expect(a['gen_ai.usage.output_tokens']).toBe(220);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice('aws', BEDROCK_MODEL, 1500, 220), 12);
    // SigV4 signs with the secret; neither it nor the signature is exported.
    const all = await env.harness.exported();
    expect(all).not.toContain('bedrock-secret-PROMPTSCOPE');
    expect(all).not.toContain('AWS4-HMAC-SHA256');
  });

  it('a stream over AWS event-stream: chunks as without us, usage and time to first token on the span', async () => {
    env.fake.script({ usage: { input: 40, output: 12 }, chunks: 4, firstChunkDelayMs: 60 });
    const texts: string[] = [];
    await instrumented(mod, async () => {
      const stream = await bedrockClient(mod, env.fake, API_KEY).messages.create(body({ stream: true }));
      for await (const event of stream) if (event.type === 'content_block_delta') texts.push(event.delta.text);
    });
    expect(texts.join('')).toBe('Hello from the fake provider.');
    expect(decodeURIComponent(env.fake.requests[0].path)).toBe(`/model/${BEDROCK_MODEL}/invoke-with-response-stream`);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('aws.bedrock');
    expect(a['gen_ai.usage.input_tokens']).toBe(40);
    expect(a['gen_ai.usage.output_tokens']).toBe(12);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0.06);
  });
});
