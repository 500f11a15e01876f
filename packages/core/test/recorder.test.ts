import { createOtelHarness, type OtelHarness } from '@promptscope/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withPrompt } from '../src/context.js';
import { endOpenOperations } from '../src/open-operations.js';
import { Telemetry } from '../src/telemetry.js';

let harness: OtelHarness;
beforeAll(() => {
  harness = createOtelHarness({ spanLimits: { attributeCountLimit: 24 } });
});
afterAll(() => harness.shutdown());
beforeEach(() => harness.reset());

const request = {
  operation: 'chat',
  provider: 'openai',
  model: 'gpt-4o-mini',
  serverAddress: 'api.openai.com',
  serverPort: 443,
};

describe('Telemetry and Operation', () => {
  it('ends exactly once whatever is called after', async () => {
    const t = new Telemetry({}, {});
    const op = t.start(request);
    op.setUsage({ inputTokens: 10, outputTokens: 2 });
    op.end();
    op.end();
    op.fail(new Error('late'));
    op.setResponse({ id: 'x' });
    expect(harness.spans()).toHaveLength(1);
    expect(harness.spans()[0].attributes['gen_ai.response.id']).toBeUndefined();
    expect(await harness.metricPoints('gen_ai.client.operation.duration')).toHaveLength(1);
  });

  it('never lets content push core attributes out of the span attribute limit', () => {
    const t = new Telemetry({ captureContent: true }, {});
    const op = t.start({
      ...request,
      attributes: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x.${i}`, i])),
    });
    op.recordContent('input', [{ role: 'user', parts: [{ type: 'text', content: 'hello' }] }]);
    op.recordContent('output', [{ role: 'assistant', parts: [{ type: 'text', content: 'hi' }] }]);
    op.recordContent('system_instructions', [{ type: 'text', content: 'sys' }]);
    op.setResponse({ id: 'chatcmpl-1', model: 'gpt-4o-mini-2024', finishReasons: ['stop'] });
    op.setUsage({ inputTokens: 10, outputTokens: 2 });
    op.end();
    const a = harness.spans()[0].attributes;
    // 24 attributes allowed: every core attribute is there; content comes last and is what gets dropped.
    expect(a['gen_ai.usage.input_tokens']).toBe(10);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['promptscope.cost.usd']).toBeGreaterThan(0);
    expect(Object.keys(a).length).toBeLessThanOrEqual(24);
    expect(a['gen_ai.system_instructions']).toBeUndefined();
  });

  it('records prompt name and version on metrics, and computes each attribute set once', async () => {
    const t = new Telemetry({}, {});
    await withPrompt({ name: 'p', version: '1' }, async () => {
      for (let i = 0; i < 3; i++) {
        const op = t.start(request);
        op.setUsage({ inputTokens: 1, outputTokens: 1 });
        op.end();
      }
    });
    const points = await harness.metricPoints('gen_ai.client.operation.duration');
    expect(points).toHaveLength(1);
    expect(points[0].attributes).toMatchObject({ 'gen_ai.prompt.name': 'p', 'gen_ai.prompt.version': '1' });
    expect((points[0].value as { count: number }).count).toBe(3);
  });

  it('emits the latest names when asked', async () => {
    const t = new Telemetry({ semconv: 'latest' }, {});
    const op = t.start({ ...request, stream: true });
    op.chunk();
    op.chunk();
    op.setUsage({ inputTokens: 5, outputTokens: 3, cacheWriteTokens: 2 });
    op.end('completed');
    const a = harness.spans()[0].attributes;
    expect(a['gen_ai.usage.cache_write.input_tokens']).toBe(2);
    expect(a['gen_ai.usage.cache_creation.input_tokens']).toBeUndefined();
    expect(await harness.metricPoints('gen_ai.client.inference.duration')).toHaveLength(1);
    expect(await harness.metricPoints('gen_ai.client.inference.time_to_first_chunk')).toHaveLength(1);
    const input = await harness.metricPoints('gen_ai.client.inference.usage.input_tokens');
    expect(input[0].value).toBe(5);
    expect(input[0].attributes['gen_ai.token.modality']).toBe('unknown');
    expect(await harness.metricPoints('gen_ai.client.token.usage')).toHaveLength(0);
  });

  it('marks an unknown model unpriced and counts it, never a cost of 0', async () => {
    const t = new Telemetry({}, {});
    const op = t.start({ ...request, model: 'no-such-model-xyz' });
    op.setUsage({ inputTokens: 100, outputTokens: 10 });
    op.end();
    const a = harness.spans()[0].attributes;
    expect(a['promptscope.cost.unpriced']).toBe(true);
    expect(a['promptscope.cost.usd']).toBeUndefined();
    expect((await harness.metricPoints('promptscope.client.unpriced_calls'))[0].value).toBe(1);
    expect(await harness.metricPoints('promptscope.client.cost_usd')).toHaveLength(0);
  });

  it('a price override wins and the span says which entry priced it', () => {
    const t = new Telemetry({ prices: [{ match: '/^ft:/', input_mtok: 1, output_mtok: 2 }] }, {});
    const op = t.start({ ...request, model: 'ft:gpt-4o:acme' });
    op.setUsage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
    op.end();
    const a = harness.spans()[0].attributes;
    expect(a['promptscope.cost.usd']).toBeCloseTo(3, 9);
    expect(a['promptscope.pricing.source']).toBe('override');
  });

  it('ends operations left open at shutdown', () => {
    const t = new Telemetry({}, {});
    t.start({ ...request, stream: true });
    expect(endOpenOperations()).toBe(1);
    expect(harness.spans()[0].attributes['promptscope.stream.outcome']).toBe('abandoned');
  });

  it('a failing redaction hook records no content, and the call is unaffected', () => {
    const t = new Telemetry(
      {
        captureContent: true,
        redact: () => {
          throw new Error('boom');
        },
      },
      {},
    );
    const op = t.start(request);
    op.recordContent('input', [{ role: 'user', parts: [{ type: 'text', content: 'secret' }] }]);
    op.end();
    const a = harness.spans()[0].attributes;
    expect(a['gen_ai.input.messages']).toBeUndefined();
    expect(a['promptscope.instrumentation.error']).toMatch(/redact: boom/);
  });

  it('read(): usage and cost first, a finish reason for every choice, no output built when capture is off', async () => {
    const t = new Telemetry({}, {});
    const op = t.start(request);
    let built = 0;
    op.read({
      usage: { inputTokens: 1000, outputTokens: 100 },
      id: 'resp-1',
      model: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['stop', undefined],
      output: () => {
        built++;
        return [];
      },
    });
    op.end();
    const a = harness.spans()[0].attributes;
    expect(built).toBe(0);
    expect(a['gen_ai.response.id']).toBe('resp-1');
    expect(a['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18');
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop', 'error']);
    expect(a['gen_ai.usage.input_tokens']).toBe(1000);
    expect(typeof a['promptscope.cost.usd']).toBe('number');
    expect(a['gen_ai.output.messages']).toBeUndefined();
    expect(await harness.metricPoints('gen_ai.client.token.usage')).toHaveLength(2);
  });

  it('read(): an output builder that throws loses the content only, and says so', async () => {
    const t = new Telemetry({ captureContent: true }, {});
    const op = t.start(request);
    op.read({
      usage: { inputTokens: 10, outputTokens: 2 },
      finishReasons: ['stop'],
      output: () => {
        throw new Error('bad shape');
      },
    });
    op.end();
    const a = harness.spans()[0].attributes;
    expect(a['gen_ai.output.messages']).toBeUndefined();
    expect(a['gen_ai.usage.output_tokens']).toBe(2);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['promptscope.instrumentation.error']).toMatch(/output: bad shape/);
    expect(harness.spans()[0].status.code).not.toBe(2);
  });

  it('read(): with capture on, the output is recorded as built', () => {
    const t = new Telemetry({ captureContent: true }, {});
    const op = t.start(request);
    const out = [{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }], finish_reason: 'stop' }];
    op.read({ finishReasons: ['stop'], output: () => out });
    op.end();
    expect(JSON.parse(String(harness.spans()[0].attributes['gen_ai.output.messages']))).toEqual(out);
  });
});

describe('prompt provenance', () => {
  it('puts a registry version’s sha256 and source on the span, and keeps them off metrics', async () => {
    const t = new Telemetry({}, {});
    withPrompt({ name: 'p', version: '3', label: 'production', sha256: 'ab'.repeat(32), source: 'registry' }, () => {
      const op = t.start(request);
      op.setUsage({ inputTokens: 1, outputTokens: 1 });
      op.end();
    });
    const a = harness.spans()[0].attributes;
    expect(a['promptscope.prompt.sha256']).toBe('ab'.repeat(32));
    expect(a['promptscope.prompt.source']).toBe('registry');
    const points = await harness.metricPoints('gen_ai.client.operation.duration');
    expect(Object.keys(points[0].attributes)).not.toContain('promptscope.prompt.sha256');
  });
});
