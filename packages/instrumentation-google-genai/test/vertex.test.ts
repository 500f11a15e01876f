import type { FakeProvider } from '@promptscope/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Any, diagnostics, instrumented, listPrice, loadMajor, MAJORS, MODEL, only, useEnv } from './helpers.js';

const env = useEnv();
const PROJECT = 'promptscope-test';
const LOCATION = 'us-central1';
const EXPRESS_KEY = 'AQ.Ab8-PROMPTSCOPE-EXPRESS-SECRET';

/**
 * Vertex AI offline: the SDK takes a ready `authClient` through `googleAuthOptions` (google-auth-library
 * then asks it for headers and nothing else), and `httpOptions.baseUrl` points it at the fake.
 */
const authClient = { getRequestHeaders: async () => new Headers({ authorization: 'Bearer ya29.PROMPTSCOPE-TOKEN' }) };

function vertex(mod: Any, fake: FakeProvider): Any {
  return new mod.GoogleGenAI({
    vertexai: true,
    project: PROJECT,
    location: LOCATION,
    googleAuthOptions: { authClient },
    httpOptions: { baseUrl: fake.origin },
  });
}

/** Express mode: Vertex AI with an API key and no project. */
function express(mod: Any, fake: FakeProvider): Any {
  return new mod.GoogleGenAI({ vertexai: true, apiKey: EXPRESS_KEY, httpOptions: { baseUrl: fake.origin } });
}

describe.each(MAJORS)('%s on Vertex AI', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('generateContent: gcp.vertex_ai, the project path, tokens and Google’s list price', async () => {
    env.fake.script({ usage: { input: 1500, output: 220 } });
    const res = await instrumented(mod, () =>
      vertex(mod, env.fake).models.generateContent({ model: MODEL, contents: 'hi' }),
    );
    expect(res.text).toBe('Hello from the fake provider.');
    const [sent] = env.fake.requests;
    expect(sent.path).toBe(
      `/v1beta1/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${MODEL}:generateContent`,
    );
    expect(sent.headers.authorization).toMatch(/^Bearer /);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('gcp.vertex_ai');
    expect(a['gen_ai.operation.name']).toBe('generate_content');
    expect(a['gen_ai.request.model']).toBe(MODEL);
    expect(a['gen_ai.usage.input_tokens']).toBe(1500);
    expect(a['gen_ai.usage.output_tokens']).toBe(220);
    expect(a['promptscope.cost.usd']).toBeCloseTo(listPrice(MODEL, { input: 1500, output: 220 }), 12);
    expect(await env.harness.exported()).not.toContain('PROMPTSCOPE-TOKEN');
    expect(diagnostics).toEqual([]);
  });

  it('a stream in express mode: gcp.vertex_ai, chunks and usage; the key is not recorded', async () => {
    env.fake.script({ chunks: 3, usage: { input: 40, output: 12 } });
    await instrumented(mod, async () => {
      for await (const _ of await express(mod, env.fake).models.generateContentStream({
        model: MODEL,
        contents: 'hi',
      }));
    });
    const [sent] = env.fake.requests;
    expect(sent.path).toBe(`/v1beta1/publishers/google/models/${MODEL}:streamGenerateContent`);
    expect(sent.headers['x-goog-api-key']).toBe(EXPRESS_KEY);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.provider.name']).toBe('gcp.vertex_ai');
    expect(a['promptscope.stream.chunks']).toBe(3);
    expect(a['gen_ai.usage.input_tokens']).toBe(40);
    expect(a['gen_ai.usage.output_tokens']).toBe(12);
    expect(await env.harness.exported()).not.toContain('EXPRESS-SECRET');
  });

  it('embedContent on a text-embedding model (`:predict`): the token counts Vertex reports, summed', async () => {
    env.fake.script({ usage: { input: 11 }, embeddingDimensions: 4 });
    const res = await instrumented(mod, () =>
      vertex(mod, env.fake).models.embedContent({ model: 'text-embedding-005', contents: ['a', 'b'] }),
    );
    expect(res.embeddings).toHaveLength(2);
    expect(env.fake.requests[0].path).toMatch(/text-embedding-005:predict$/);
    const a = only(env.harness.spans()).attributes;
    expect(a['gen_ai.operation.name']).toBe('embeddings');
    expect(a['gen_ai.provider.name']).toBe('gcp.vertex_ai');
    expect(a['gen_ai.usage.input_tokens']).toBe(11);
    expect(a['gen_ai.embeddings.dimension.count']).toBe(4);
  });
});
