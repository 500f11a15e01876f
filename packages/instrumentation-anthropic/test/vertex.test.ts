import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, instrument } from '../src/index.js';
import {
  type Any,
  API_KEY,
  client as anthropicClient,
  diagnostics,
  instrumented,
  listPrice,
  only,
  useEnv,
} from './helpers.js';
import { PROJECT, REGION, VERTEX_MAJORS, VERTEX_MODEL, vertexClient } from './vertex-adapter.js';

const env = useEnv();
afterEach(() => {
  expect(diagnostics).toEqual([]);
});

const body = (extra: Record<string, unknown> = {}) => ({
  model: VERTEX_MODEL,
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe.each(VERTEX_MAJORS)('%s', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await import(major);
  });

  it('a message: gcp.vertex_ai, the caller’s model, tokens, finish reason and Vertex’s list price', async () => {
    env.fake.script({ usage: { input: 1500, output: 220 } });
    const res = await instrumented(mod, () => vertexClient(mod, env.fake, API_KEY).messages.create(body()));
    expect(res.content[0].text).toBe('Hello from the fake provider.');
    // What the SDK sent: the model in the path, not the body, and Vertex's API version in the body.
    const [sent] = env.fake.requests;
    expect(sent.path).toBe(
      `/v1/projects/${PROJECT}/locations/${REGION}/publishers/anthropic/models/${VERTEX_MODEL}:rawPredict`,
    );
    expect(sent.body.model).toBeUndefined();
    expect(typeof sent.body.anthropic_version).toBe('string');
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('gcp.vertex_ai');
    expect(a['gen_ai.request.model']).toBe(VERTEX_MODEL);
    expect(a['gen_ai.response.model']).toBe(VERTEX_MODEL);
    expect(a['gen_ai.usage.input_tokens']).toBe(1500);
    expect(a['gen_ai.usage.output_tokens']).toBe(220);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    expect(a['server.address']).toBe('127.0.0.1');
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice('google', VERTEX_MODEL, 1500, 220), 12);
    expect(a['promptscope.cost.usd']).toBeGreaterThan(0);
  });

  it('a stream on streamRawPredict: tokens, chunks and cost', async () => {
    env.fake.script({ usage: { input: 800, output: 90 }, chunks: 3 });
    await instrumented(mod, async () => {
      for await (const _ of await vertexClient(mod, env.fake, API_KEY).messages.create(body({ stream: true })));
    });
    expect(env.fake.requests[0].path).toMatch(/:streamRawPredict$/);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('gcp.vertex_ai');
    expect(a['gen_ai.request.model']).toBe(VERTEX_MODEL);
    expect(a['gen_ai.usage.input_tokens']).toBe(800);
    expect(a['gen_ai.usage.output_tokens']).toBe(90);
    expect(a['promptscope.stream.chunks']).toBe(3);
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice('google', VERTEX_MODEL, 800, 90), 12);
  });

  it('instrument() takes the class as well as the namespace', async () => {
    env.fake.script({});
    const handle = instrument(mod.AnthropicVertex);
    try {
      await vertexClient(mod, env.fake, API_KEY).messages.create(body());
    } finally {
      handle.uninstrument();
    }
    expect(only(env.harness.spans()).attributes['gen_ai.provider.name']).toBe('gcp.vertex_ai');
  });
});

describe('anthropic-vertex-v1 beside the @anthropic-ai/sdk it shares its Messages class with', () => {
  it('the register hook patches both modules; each call is one span, named from its client', async () => {
    const vertex = await import('anthropic-vertex-v1');
    const sdk: Any = await import('@anthropic-ai/sdk');
    // The scenario only means something if the classes are shared, as in this install (hoisted 1.x).
    expect(vertexClient(vertex, env.fake, API_KEY).messages.constructor).toBe(sdk.Anthropic.Messages);
    const instrumentation = new AnthropicInstrumentation({ enabled: false });
    const defs = instrumentation.getModuleDefinitions();
    const byName = (n: string) => defs.find((d) => d.name === n);
    // The app loads the SDK first, then the Vertex client; both definitions run.
    byName('@anthropic-ai/sdk')?.patch?.(sdk);
    byName('@anthropic-ai/vertex-sdk')?.patch?.(vertex);
    try {
      env.fake.script({});
      await vertexClient(vertex, env.fake, API_KEY).messages.create(body());
      env.fake.script({});
      await anthropicClient(sdk, env.fake).messages.create({ ...body(), model: 'claude-haiku-4-5' });
      const names = env.harness.spans().map((s) => s.attributes['gen_ai.provider.name']);
      expect(names).toEqual(['gcp.vertex_ai', 'anthropic']);
    } finally {
      byName('@anthropic-ai/vertex-sdk')?.unpatch?.(vertex);
      byName('@anthropic-ai/sdk')?.unpatch?.(sdk);
    }
  });

  it('instrumenting only the Vertex module records Vertex calls, once', async () => {
    const vertex = await import('anthropic-vertex-v1');
    env.fake.script({});
    await instrumented(vertex, () => vertexClient(vertex, env.fake, API_KEY).messages.create(body()));
    expect(only(env.harness.spans()).attributes['gen_ai.provider.name']).toBe('gcp.vertex_ai');
  });
});
