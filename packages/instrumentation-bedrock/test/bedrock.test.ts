// Converse and ConverseStream, the send patch itself, and what a call never records.
import { isWrapped } from '@promptscope/core/provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { instrument } from '../src/index.js';
import { anthropicBody, CLAUDE, drainOutput, invokeInput } from './adapter.js';
import {
  type Any,
  bothWays,
  client,
  instrumented,
  listPrice,
  loadMajor,
  MAJORS,
  only,
  send,
  stable,
  useEnv,
} from './helpers.js';

const env = useEnv();

const converseInput = (extra: Record<string, unknown> = {}) => ({
  modelId: CLAUDE,
  system: [{ text: 'be brief' }],
  messages: [{ role: 'user', content: [{ text: 'hi' }] }],
  inferenceConfig: { maxTokens: 200, temperature: 0.3, topP: 0.9, stopSequences: ['END'] },
  ...extra,
});

describe.each(MAJORS)('%s', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });
  const c = () => client(mod, env.fake);
  const attrs = () => only(env.harness.spans()).attributes;

  it('Converse: the caller gets the SDK output unchanged; tokens incl. cache, finish reason, cost, parameters', async () => {
    const usage = { input: 100, cached: 40, cacheWrite: 10, output: 20 };
    env.fake.script({ usage });
    const { plain, instrumented: inst } = await bothWays(mod, async () =>
      stable(await send(c(), 'ConverseCommand', converseInput())),
    );
    expect(plain.ok).toBe(true);
    expect(inst).toEqual(plain);
    if (plain.ok) expect(plain.value.$metadata.httpStatusCode).toBe(200);
    const a = attrs();
    expect(a['gen_ai.provider.name']).toBe('aws.bedrock');
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.request.model']).toBe(CLAUDE);
    expect(a['gen_ai.request.max_tokens']).toBe(200);
    expect(a['gen_ai.request.temperature']).toBe(0.3);
    expect(a['gen_ai.request.top_p']).toBe(0.9);
    expect(a['gen_ai.request.stop_sequences']).toEqual(['END']);
    // Bedrock's inputTokens are the uncached input; the conventions' input includes cache reads and writes.
    expect(a['gen_ai.usage.input_tokens']).toBe(150);
    expect(a['gen_ai.usage.output_tokens']).toBe(20);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(40);
    expect(a['gen_ai.usage.cache_creation.input_tokens']).toBe(10);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    expect(a['promptscope.cost.usd']).toBeCloseTo(
      listPrice(CLAUDE, { input: 100, cacheRead: 40, cacheWrite: 10, output: 20 }),
      12,
    );
  });

  it('ConverseStream: time to first token within 2 ms of what the caller saw, usage from the metadata event', async () => {
    env.fake.script({
      chunks: 4,
      firstChunkDelayMs: 120,
      chunkDelayMs: 5,
      usage: { input: 30, cached: 10, output: 22 },
    });
    let firstAt = 0;
    let startedAt = 0;
    let text = '';
    let output: Any;
    await instrumented(mod, async () => {
      // The client is built first: its construction is no part of the call's time to first token.
      const bedrock = c();
      startedAt = performance.now();
      output = await send(bedrock, 'ConverseStreamCommand', converseInput());
      for await (const event of output.stream) {
        if (event.contentBlockDelta === undefined) continue;
        if (firstAt === 0) firstAt = performance.now();
        text += event.contentBlockDelta.delta.text;
      }
    });
    expect(text).toBe('Hello from the fake provider.');
    expect(output.$metadata.httpStatusCode).toBe(200);
    const a = attrs();
    expect(a['gen_ai.request.stream']).toBe(true);
    expect(a['promptscope.stream.chunks']).toBe(4);
    expect(a['promptscope.stream.outcome']).toBe('completed');
    expect(a['gen_ai.usage.input_tokens']).toBe(40);
    expect(a['gen_ai.usage.output_tokens']).toBe(22);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    const ttft = (a['gen_ai.response.time_to_first_chunk'] as number) * 1000;
    expect(ttft).toBeGreaterThanOrEqual(120);
    expect(Math.abs(ttft - (firstAt - startedAt))).toBeLessThan(2);
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(CLAUDE, { input: 30, cacheRead: 10, output: 22 }), 12);
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['guardrail_intervened', 'guardrail_intervened'],
    ['content_filtered', 'content_filtered'],
    ['stop_sequence', 'stop_sequence'],
  ])('finish reason %s → stopReason %s, plain and streamed', async (finishReason, stopReason) => {
    const toolCalls = finishReason === 'tool_calls' ? [{ name: 'lookup', arguments: '{"q":"x"}' }] : undefined;
    env.fake.script({ finishReason, toolCalls });
    await instrumented(mod, async () => {
      const plain = await send(c(), 'ConverseCommand', converseInput());
      expect(plain.stopReason).toBe(stopReason);
      await drainOutput(await send(c(), 'ConverseStreamCommand', converseInput()));
    });
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    for (const s of spans) expect(s.attributes['gen_ai.response.finish_reasons']).toEqual([stopReason]);
  });

  it('content capture: Converse system, messages, tools and the output, plain and streamed, in the semconv shapes', async () => {
    env.fake.script({
      content: 'Sunny.',
      chunks: 2,
      toolCalls: [{ id: 'tooluse_1', name: 'weather', arguments: '{"city":"Oslo"}' }],
    });
    const input = converseInput({
      messages: [
        {
          role: 'user',
          content: [{ text: 'weather?' }, { image: { format: 'png', source: { bytes: Uint8Array.of(1, 2, 3) } } }],
        },
      ],
      toolConfig: {
        tools: [{ toolSpec: { name: 'weather', description: 'forecast', inputSchema: { json: { type: 'object' } } } }],
      },
    });
    await instrumented(
      mod,
      async () => {
        await send(c(), 'ConverseCommand', input);
        await drainOutput(await send(c(), 'ConverseStreamCommand', input));
      },
      { captureContent: true },
    );
    const spans = env.harness.spans();
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      const a = s.attributes;
      expect(JSON.parse(a['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'be brief' }]);
      expect(JSON.parse(a['gen_ai.input.messages'] as string)).toEqual([
        {
          role: 'user',
          parts: [
            { type: 'text', content: 'weather?' },
            { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'AQID' },
          ],
        },
      ]);
      expect(JSON.parse(a['gen_ai.tool.definitions'] as string)).toEqual([
        { type: 'function', name: 'weather', description: 'forecast', parameters: { type: 'object' } },
      ]);
      expect(JSON.parse(a['gen_ai.output.messages'] as string)).toEqual([
        {
          role: 'assistant',
          parts: [
            { type: 'text', content: 'Sunny.' },
            { type: 'tool_call', id: 'tooluse_1', name: 'weather', arguments: { city: 'Oslo' } },
          ],
          finish_reason: 'tool_use',
        },
      ]);
    }
  });

  it('an exception inside the stream: the SDK’s error is the caller’s, the span names its class', async () => {
    env.fake.script({ fault: 'stream_error', chunks: 5, faultAfterChunks: 2 });
    for (const command of ['ConverseStreamCommand', 'InvokeModelWithResponseStreamCommand']) {
      await env.harness.reset();
      const input =
        command === 'ConverseStreamCommand' ? converseInput() : invokeInput(CLAUDE, anthropicBody('hi', 's'));
      const run = async () => {
        let seen = 0;
        try {
          const output = await send(c(), command, input);
          for await (const _ of output.stream ?? output.body) seen++;
          return { seen, error: null };
        } catch (err) {
          return { seen, error: (err as Error).constructor.name, message: (err as Error).message };
        }
      };
      const { plain, instrumented: inst } = await bothWays(mod, run);
      expect(inst).toEqual(plain);
      expect(plain.ok && plain.value.error).toBe('ModelStreamErrorException');
      const a = attrs();
      // No HTTP status inside an event stream: the exception's class is the error type.
      expect(a['error.type']).toBe('ModelStreamErrorException');
      expect(a['promptscope.stream.outcome']).toBe('error');
      expect(a['promptscope.stream.chunks']).toBe(2);
    }
  });

  it('an invoke body that is no completion (an embedding model) and other commands go through untouched', async () => {
    env.fake.script({});
    const embed = {
      modelId: 'amazon.titan-embed-text-v2:0',
      contentType: 'application/json',
      body: '{"inputText":"hi"}',
    };
    const run = async () => {
      const out: unknown[] = [];
      for (const [command, input] of [
        ['InvokeModelCommand', embed],
        ...(mod.ApplyGuardrailCommand === undefined
          ? []
          : [
              [
                'ApplyGuardrailCommand',
                { guardrailIdentifier: 'g1', guardrailVersion: '1', source: 'INPUT', content: [] },
              ],
            ]),
      ] as [string, Record<string, unknown>][]) {
        out.push(
          await send(c(), command, input).then(
            (o: Any) => ({ ok: o.$metadata.httpStatusCode }),
            (e: Any) => ({ error: e.constructor.name, status: e.$metadata?.httpStatusCode }),
          ),
        );
      }
      return out;
    };
    const { plain, instrumented: inst } = await bothWays(mod, run);
    expect(inst).toEqual(plain);
    expect(env.fake.requests.length).toBeGreaterThanOrEqual(2);
    expect(env.harness.spans()).toHaveLength(0);
  });

  it('patches the Bedrock Runtime client’s own send, never the Smithy Client base every AWS client shares', () => {
    const base = Object.getPrototypeOf(mod.BedrockRuntimeClient.prototype);
    const baseSend = base.send;
    const handle = instrument(mod);
    try {
      expect(Object.hasOwn(mod.BedrockRuntimeClient.prototype, 'send')).toBe(true);
      expect(isWrapped(mod.BedrockRuntimeClient.prototype.send)).toBe(true);
      expect(base.send).toBe(baseSend);
      expect(isWrapped(base.send)).toBe(false);
    } finally {
      handle.uninstrument();
    }
    expect(isWrapped(mod.BedrockRuntimeClient.prototype.send)).toBe(false);
  });

  it('with another instrumentation on the shared base send (as instrumentation-aws-sdk): one GenAI span, ours', async () => {
    env.fake.script({});
    const base = Object.getPrototypeOf(mod.BedrockRuntimeClient.prototype);
    const original = base.send;
    const reached: string[] = [];
    // What shimmer (used by every OpenTelemetry instrumentation) leaves on a method it wraps.
    const wrapper = function (this: unknown, ...args: Any[]) {
      reached.push(args[0].constructor.name);
      return original.apply(this, args);
    };
    Object.defineProperty(wrapper, '__original', { value: original });
    Object.defineProperty(wrapper, '__wrapped', { value: true });
    base.send = wrapper;
    const embed = invokeInput('amazon.titan-embed-text-v2:0', '{"inputText":"hi"}');
    try {
      await send(c(), 'ConverseCommand', converseInput());
      expect(reached).toEqual(['ConverseCommand']);
      reached.length = 0;
      await instrumented(mod, async () => {
        await send(c(), 'ConverseCommand', converseInput());
        await drainOutput(await send(c(), 'ConverseStreamCommand', converseInput()));
        await send(c(), 'InvokeModelCommand', embed);
      });
      // Our two model calls skip the other layer; the command we do not instrument goes through it.
      expect(reached).toEqual(['InvokeModelCommand']);
      expect(env.harness.spans()).toHaveLength(2);
      reached.length = 0;
      await send(c(), 'ConverseCommand', converseInput());
      expect(reached).toEqual(['ConverseCommand']);
    } finally {
      base.send = original;
    }
  });

  it('never records the credentials, the SigV4 authorization header or the session token', async () => {
    env.fake.script({});
    const secret = 'SECRET-ACCESS-KEY-canary-91b7';
    const token = 'SESSION-TOKEN-canary-44d2';
    await instrumented(
      mod,
      async () => {
        const withToken = client(mod, env.fake, 'AKIDCANARY', {
          credentials: { accessKeyId: 'AKIDCANARY', secretAccessKey: secret, sessionToken: token },
        });
        await send(withToken, 'ConverseCommand', converseInput());
        await drainOutput(await send(withToken, 'ConverseStreamCommand', converseInput()));
      },
      { captureContent: true },
    );
    const headers = env.fake.requests[0].headers;
    expect(headers['x-amz-security-token']).toBe(token);
    expect(String(headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCANARY\//);
    const all = await env.harness.exported();
    expect(all).toContain('gen_ai.input.messages');
    for (const leak of [secret, token, 'AKIDCANARY', 'AWS4-HMAC-SHA256', 'x-amz-security-token']) {
      expect(all).not.toContain(leak);
    }
  });
});
