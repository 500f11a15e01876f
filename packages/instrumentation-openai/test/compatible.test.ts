import type { FakeProvider } from '@promptscope/testing';
import { calcPrice } from '@pydantic/genai-prices';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../src/index.js';
import { type CompatibleSdk, chatBody, compatibleClient } from './compatible-adapter.js';
import { GROQ_SDK } from './groq-adapter.js';
import { type AnyModule, API_KEY, diagnostics, instrumented, only, useEnv } from './helpers.js';
import { TOGETHER_SDK } from './together-adapter.js';

const env = useEnv();
afterEach(() => {
  expect(diagnostics).toEqual([]);
});

/** The cost genai-prices' own per-million rates give, computed here rather than by core's PriceBook. */
function listPrice(providerId: string, model: string, input: number, output = 0): number {
  const price = calcPrice({}, model, { providerId })?.model_price;
  if (price === undefined) throw new Error(`genai-prices has no ${providerId}/${model}`);
  const rate = (key: string) => {
    const v = price[key];
    if (typeof v !== 'number') throw new Error(`expected a flat ${key} price, got ${JSON.stringify(v)}`);
    return v;
  };
  return (input * rate('input_mtok') + (output === 0 ? 0 : output * rate('output_mtok'))) / 1e6;
}

const CASES: [CompatibleSdk, string, string][] = [
  [GROQ_SDK, 'groq', 'groq'],
  [TOGETHER_SDK, 'together', 'together'],
];

describe.each(CASES)('$name', (sdk, provider, priceId) => {
  describe.each(sdk.majors)('%s', (major) => {
    let mod: AnyModule;
    beforeAll(async () => {
      mod = await import(major);
    });
    const client = (fake: FakeProvider) => compatibleClient(sdk, mod, fake, API_KEY);

    it('a chat completion: provider name, model, tokens, finish reason and list-price cost', async () => {
      env.fake.script({ usage: { input: 1200, output: 345 }, finishReason: 'length' });
      const res = await instrumented(mod, () => client(env.fake).chat.completions.create(chatBody(sdk.model, 'hi')));
      expect(res.usage.prompt_tokens).toBe(1200);
      const a = only(env.harness.spans()).attributes;
      expect(a['gen_ai.provider.name']).toBe(provider);
      expect(a['gen_ai.operation.name']).toBe('chat');
      expect(a['gen_ai.request.model']).toBe(sdk.model);
      expect(a['gen_ai.response.model']).toBe(sdk.model);
      expect(a['gen_ai.usage.input_tokens']).toBe(1200);
      expect(a['gen_ai.usage.output_tokens']).toBe(345);
      expect(a['gen_ai.response.finish_reasons']).toEqual(['length']);
      expect(a['server.address']).toBe('127.0.0.1');
      expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(priceId, sdk.model, 1200, 345), 12);
      expect(a['promptscope.cost.usd']).toBeGreaterThan(0);
    });

    it('a stream: usage from where the API puts it, the request exactly as the caller made it', async () => {
      env.fake.script({ usage: { input: 900, output: 70 }, chunks: 4, firstChunkDelayMs: 40 });
      const chunks: AnyModule[] = await instrumented(mod, async () => {
        const out: unknown[] = [];
        for await (const c of await client(env.fake).chat.completions.create(
          chatBody(sdk.model, 'hi', undefined, { stream: true }),
        ))
          out.push(c);
        return out;
      });
      // Groq reports it in the last chunk's x_groq, Together in the last chunk's usage; the caller sees both.
      const last = chunks[chunks.length - 1];
      const reported = sdk.name === 'groq' ? last.x_groq.usage : last.usage;
      expect(reported.prompt_tokens).toBe(900);
      expect(env.fake.requests[0].body).toEqual(chatBody(sdk.model, 'hi', undefined, { stream: true }));
      const a = only(env.harness.spans()).attributes;
      expect(a['gen_ai.provider.name']).toBe(provider);
      expect(a['promptscope.stream.usage_requested']).toBe('no');
      expect(a['gen_ai.usage.input_tokens']).toBe(900);
      expect(a['gen_ai.usage.output_tokens']).toBe(70);
      expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
      expect(a['promptscope.stream.chunks']).toBe(4);
      const ttfc = a['gen_ai.response.time_to_first_chunk'] as number;
      expect(ttfc).toBeGreaterThanOrEqual(0.035);
      expect(ttfc).toBeLessThan(0.2);
      expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(priceId, sdk.model, 900, 70), 12);
    });

    it('embeddings: provider name, model and input tokens', async () => {
      env.fake.script({ usage: { input: 11 } });
      const res = await instrumented(mod, () =>
        client(env.fake).embeddings.create({ model: sdk.embeddingModel, input: 'some text' }),
      );
      expect(res.data).toHaveLength(1);
      const a = only(env.harness.spans()).attributes;
      expect(a['gen_ai.operation.name']).toBe('embeddings');
      expect(a['gen_ai.provider.name']).toBe(provider);
      expect(a['gen_ai.request.model']).toBe(sdk.embeddingModel);
      expect(a['gen_ai.usage.input_tokens']).toBe(11);
    });

    it('the OpenTelemetry instrumentation patches this SDK when the register hook loads it', async () => {
      const instrumentation = new OpenAIInstrumentation({ enabled: false });
      const definition = instrumentation.getModuleDefinitions().find((d) => d.name === sdk.packageName);
      expect(definition?.supportedVersions).toEqual([sdk.versions]);
      definition?.patch?.(mod);
      try {
        env.fake.script({ usage: { input: 5, output: 1 } });
        await client(env.fake).chat.completions.create(chatBody(sdk.model, 'hi'));
        expect(only(env.harness.spans()).attributes['gen_ai.provider.name']).toBe(provider);
      } finally {
        definition?.unpatch?.(mod);
      }
      env.fake.script({});
      await client(env.fake).chat.completions.create(chatBody(sdk.model, 'hi'));
      expect(env.harness.spans()).toHaveLength(1);
    });
  });
});

it("together-ai's chat.completions.stream() helper is one span with the stream's usage", async () => {
  const mod = await import('together-v0');
  env.fake.script({ usage: { input: 30, output: 8 }, chunks: 3 });
  const final = await instrumented(mod, () =>
    compatibleClient(TOGETHER_SDK, mod, env.fake, API_KEY)
      .chat.completions.stream(chatBody(TOGETHER_SDK.model, 'hi'))
      .finalChatCompletion(),
  );
  expect(final.choices[0].message.content).toBe('Hello from the fake provider.');
  const a = only(env.harness.spans()).attributes;
  expect(a['gen_ai.provider.name']).toBe('together');
  expect(a['gen_ai.usage.input_tokens']).toBe(30);
  expect(a['gen_ai.usage.output_tokens']).toBe(8);
});
