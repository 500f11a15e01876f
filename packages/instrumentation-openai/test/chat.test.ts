import { beforeAll, describe, expect, it } from 'vitest';
import { type AnyClient, type AnyModule, client, instrumented, loadMajor, MAJORS, only, useEnv } from './helpers.js';

const env = useEnv();

describe.each(MAJORS)('%s chat.completions', (major) => {
  let mod: AnyModule;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('records a plain completion: request, response, tokens, cost', async () => {
    env.fake.script({
      model: 'gpt-4o-mini-2024-07-18',
      usage: { input: 120, output: 30, cached: 100, reasoning: 5 },
      id: 'chatcmpl-plain1',
    });
    const res: AnyClient = await instrumented(mod, () =>
      client(mod, env.fake).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.2,
        max_tokens: 50,
        top_p: 0.9,
        seed: 7,
        stop: ['END'],
      }),
    );
    expect(res.choices[0].message.content).toBe('Hello from the fake provider.');
    const span = only(env.harness.spans());
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.kind).toBe(2); // CLIENT
    const a = span.attributes;
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.provider.name']).toBe('openai');
    expect(a['gen_ai.request.model']).toBe('gpt-4o-mini');
    expect(a['gen_ai.request.temperature']).toBe(0.2);
    expect(a['gen_ai.request.max_tokens']).toBe(50);
    expect(a['gen_ai.request.top_p']).toBe(0.9);
    expect(a['gen_ai.request.seed']).toBe(7);
    expect(a['gen_ai.request.stop_sequences']).toEqual(['END']);
    expect(a['server.address']).toBe('127.0.0.1');
    expect(a['server.port']).toBe(env.fake.port);
    expect(a['openai.api.type']).toBe('chat_completions');
    expect(a['gen_ai.response.id']).toBe('chatcmpl-plain1');
    expect(a['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18');
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['gen_ai.usage.input_tokens']).toBe(120);
    expect(a['gen_ai.usage.output_tokens']).toBe(30);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(100);
    expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(5);
    expect(a['promptscope.usage.source']).toBe('provider');
    expect(a['gen_ai.request.stream']).toBeUndefined();
    expect(typeof a['promptscope.cost.usd']).toBe('number');
    expect(a['promptscope.cost.usd']).toBeGreaterThan(0);
    expect(a['promptscope.pricing.version']).toMatch(/^genai-prices@/);
    expect(a['promptscope.pricing.match']).toContain('gpt-4o-mini');
    expect(span.status.code).toBe(0);

    const durations = await env.harness.metricPoints('gen_ai.client.operation.duration');
    expect(durations).toHaveLength(1);
    expect(durations[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    });
    const tokens = await env.harness.metricPoints('gen_ai.client.token.usage');
    const byType = Object.fromEntries(
      tokens.map((p) => [p.attributes['gen_ai.token.type'], (p.value as { sum: number }).sum]),
    );
    expect(byType).toEqual({ input: 120, output: 30 });
    const cost = await env.harness.metricPoints('promptscope.client.cost_usd');
    expect(cost).toHaveLength(1);
    expect(cost[0].value).toBeCloseTo(a['promptscope.cost.usd'] as number, 12);
  });

  it('records a streamed completion with usage injected and the extra chunk hidden', async () => {
    env.fake.script({ chunks: 6, firstChunkDelayMs: 120, chunkDelayMs: 5, usage: { input: 40, output: 12 } });
    const seen: unknown[] = [];
    await instrumented(mod, async () => {
      const stream = await client(mod, env.fake).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const chunk of stream) seen.push(chunk);
    });
    // What the caller sees: no usage chunk, no `usage` key, exactly as without instrumentation.
    expect(seen.every((c) => !Object.hasOwn(c as object, 'usage'))).toBe(true);
    expect(seen.every((c) => (c as { choices: unknown[] }).choices.length > 0)).toBe(true);
    const sent = env.fake.requests[0].body;
    expect(sent.stream_options).toEqual({ include_usage: true });

    const span = only(env.harness.spans());
    const a = span.attributes;
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['gen_ai.usage.input_tokens']).toBe(40);
    expect(a['gen_ai.usage.output_tokens']).toBe(12);
    expect(a['promptscope.usage.source']).toBe('provider');
    expect(a['promptscope.stream.usage_requested']).toBe('injected');
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['promptscope.stream.chunks']).toBe(6);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const ttfc = a['gen_ai.response.time_to_first_chunk'] as number;
    expect(ttfc).toBeGreaterThanOrEqual(0.12);
    expect(ttfc).toBeLessThan(0.12 + 0.1);
    const ttfcMetric = await env.harness.metricPoints('gen_ai.client.operation.time_to_first_chunk');
    expect(ttfcMetric).toHaveLength(1);
    expect((ttfcMetric[0].value as { sum: number }).sum).toBeCloseTo(ttfc, 6);
    const tpoc = await env.harness.metricPoints('gen_ai.client.operation.time_per_output_chunk');
    expect((tpoc[0].value as { count: number }).count).toBe(1);
  });

  it('leaves the caller its own usage chunk when it asked for one', async () => {
    env.fake.script({ chunks: 3, usage: { input: 9, output: 3 } });
    const seen: { usage?: unknown; choices: unknown[] }[] = [];
    await instrumented(mod, async () => {
      const stream = await client(mod, env.fake).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) seen.push(chunk);
    });
    expect(seen.at(-1)?.choices).toEqual([]);
    expect(seen.at(-1)?.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3 });
    expect(seen[0].usage).toBeNull();
    const a = only(env.harness.spans()).attributes;
    expect(a['promptscope.stream.usage_requested']).toBe('caller');
    expect(a['gen_ai.usage.input_tokens']).toBe(9);
  });

  it('with streamUsage off, sends the request untouched and says usage is missing', async () => {
    env.fake.script({ chunks: 3 });
    await instrumented(
      mod,
      async () => {
        const stream = await client(mod, env.fake).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
        });
        for await (const _ of stream);
      },
      { streamUsage: false },
    );
    expect(env.fake.requests[0].body.stream_options).toBeUndefined();
    const a = only(env.harness.spans()).attributes;
    expect(a['promptscope.usage.source']).toBe('missing');
    expect(a['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(a['promptscope.cost.usd']).toBeUndefined();
    expect(await env.harness.metricPoints('promptscope.client.cost_usd')).toHaveLength(0);
  });

  it('records tool calls, plain and streamed', async () => {
    const toolCalls = [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }];
    const tools = [
      {
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    env.fake.script({ toolCalls });
    const plain: AnyClient = await instrumented(mod, () =>
      client(mod, env.fake).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'w?' }],
        tools,
      }),
    );
    expect(plain.choices[0].message.tool_calls[0].function.arguments).toBe('{"city":"Paris"}');
    let args = '';
    await instrumented(mod, async () => {
      const stream = await client(mod, env.fake).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'w?' }],
        tools,
        stream: true,
      });
      for await (const chunk of stream) args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    });
    expect(args).toBe('{"city":"Paris"}');
    const [s1, s2] = env.harness.spans();
    expect(s1.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(s2.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(s2.attributes['promptscope.stream.chunks']).toBeGreaterThan(0);
    expect(typeof s2.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
  });

  it('records one finish reason per choice', async () => {
    env.fake.script({});
    await instrumented(mod, () =>
      client(mod, env.fake).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x' }],
        n: 2,
      }),
    );
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.request.choice.count']).toBe(2);
    expect((a['gen_ai.response.finish_reasons'] as string[]).length).toBeGreaterThanOrEqual(1);
  });

  it('covers the stream() helper with one span, and its final completion matches', async () => {
    env.fake.script({ chunks: 4, usage: { input: 5, output: 4 } });
    const c = client(mod, env.fake);
    const completions = c.chat.completions.stream ? c.chat.completions : c.beta.chat.completions;
    const run = async () => {
      const runner = completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      const deltas: string[] = [];
      runner.on('content', (d: string) => deltas.push(d));
      const final = await runner.finalChatCompletion();
      return { deltas, content: final.choices[0].message.content, usage: final.usage ?? null };
    };
    const plain = await run();
    await env.harness.reset();
    const inst = await instrumented(mod, run);
    expect(inst).toEqual(plain);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.usage.output_tokens']).toBe(4);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['http.response.status_code']).toBe(200);
  });

  it('covers the parse() helper', async () => {
    env.fake.script({ content: '{"answer":42}' });
    const c = client(mod, env.fake);
    const completions = c.chat.completions.parse ? c.chat.completions : c.beta.chat.completions;
    const run = () =>
      completions.parse({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'json' }],
        response_format: { type: 'json_object' },
      });
    const res: AnyClient = await instrumented(mod, run);
    expect(res.choices[0].message.content).toBe('{"answer":42}');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.output.type']).toBe('json');
    expect(a['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(a['http.response.status_code']).toBe(200);
  });

  it('records the AzureOpenAI client as azure.ai.openai', async () => {
    env.fake.script({});
    const azure = new mod.AzureOpenAI({
      apiKey: 'azure-key-SECRET',
      endpoint: env.fake.origin,
      apiVersion: '2024-10-21',
      deployment: 'my-gpt4o',
      maxRetries: 0,
    });
    await instrumented(mod, async () => {
      await azure.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      const stream = await azure.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const _ of stream);
    });
    const [plain, streamed] = env.harness.spans();
    expect(plain.attributes['gen_ai.provider.name']).toBe('azure.ai.openai');
    expect(env.fake.requests[0].path).toContain('/openai/deployments/my-gpt4o/chat/completions');
    // Azure API versions before 2024-09 reject stream_options: not injected there by default.
    expect(env.fake.requests[1].body.stream_options).toBeUndefined();
    expect(streamed.attributes['promptscope.stream.usage_requested']).toBe('no');
  });

  it('carries the prompt context onto the span and the metrics', async () => {
    const { withPrompt } = await import('@promptscope/core');
    env.fake.script({});
    await instrumented(mod, () =>
      withPrompt({ name: 'support-reply', version: '3', label: 'production' }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        return client(mod, env.fake).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'x' }],
        });
      }),
    );
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.prompt.name']).toBe('support-reply');
    expect(a['gen_ai.prompt.version']).toBe('3');
    expect(a['promptscope.prompt.label']).toBe('production');
    const d = await env.harness.metricPoints('gen_ai.client.operation.duration');
    expect(d[0].attributes).toMatchObject({ 'gen_ai.prompt.name': 'support-reply', 'gen_ai.prompt.version': '3' });
  });
});
