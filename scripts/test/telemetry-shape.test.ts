import { describe, expect, it } from 'vitest';
import { diffShapes, shapeOf } from '../telemetry-shape.mjs';

const span = (name: string, attributes: Record<string, unknown>, events: string[] = []) => ({
  name,
  kind: 3,
  scope: '@promptscope/instrumentation-openai',
  attributes,
  events: events.map((e) => ({ name: e, attributes: {} })),
});
const telemetry = (spans: ReturnType<typeof span>[], metricKeys: string[][] = [['gen_ai.request.model']]) => ({
  spans: () => spans,
  metrics: () => [
    {
      name: 'gen_ai.client.operation.duration',
      unit: 's',
      type: 'histogram',
      scope: 'x',
      points: metricKeys.map((k) => ({ attributes: Object.fromEntries(k.map((key) => [key, 'v'])) })),
    },
  ],
  logs: () => [
    { eventName: 'gen_ai.evaluation.result', scope: 'f', attributes: { 'gen_ai.evaluation.name': 'thumbs' } },
  ],
});

describe('telemetry shape', () => {
  it('keeps names and keys (the union over each name), never values', () => {
    const shape = shapeOf(
      telemetry([
        span('chat gpt-4o-mini', { 'gen_ai.request.model': 'gpt-4o-mini', 'error.type': '429' }, ['exception']),
        span('chat gpt-4o-mini', { 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 12 }),
      ]),
    );
    expect(shape.spans['chat gpt-4o-mini']).toEqual({
      kind: 3,
      scopes: ['@promptscope/instrumentation-openai'],
      attributes: ['error.type', 'gen_ai.request.model', 'gen_ai.usage.input_tokens'],
      events: ['exception'],
    });
    expect(shape.metrics['gen_ai.client.operation.duration'].attributes).toEqual(['gen_ai.request.model']);
    expect(shape.logs['gen_ai.evaluation.result'].attributes).toEqual(['gen_ai.evaluation.name']);
    expect(JSON.stringify(shape)).not.toContain('429');
  });

  it('records every scope a metric comes from, whatever order the export lists them in', () => {
    const metric = (scope: string) => ({ name: 'm', unit: 's', type: 'histogram', scope, points: [] });
    const of = (...scopes: string[]) =>
      shapeOf({ spans: () => [], metrics: () => scopes.map(metric), logs: () => [] }).metrics.m.scopes;
    expect(of('openai', 'anthropic')).toEqual(['anthropic', 'openai']);
    expect(of('anthropic', 'openai')).toEqual(of('openai', 'anthropic'));
  });

  it('names what a change added and removed', () => {
    const before = shapeOf(telemetry([span('chat gpt-4o-mini', { 'gen_ai.request.model': 'm' })]));
    const after = shapeOf(
      telemetry([span('chat gpt-4o-mini', { 'gen_ai.response.model': 'm' })], [['gen_ai.request.model', 'x']]),
    );
    expect(diffShapes(before, before)).toEqual([]);
    expect(diffShapes(before, after).sort()).toEqual([
      '+ metrics "gen_ai.client.operation.duration" attributes: x',
      '+ spans "chat gpt-4o-mini" attributes: gen_ai.response.model',
      '- spans "chat gpt-4o-mini" attributes: gen_ai.request.model',
    ]);
  });
});
