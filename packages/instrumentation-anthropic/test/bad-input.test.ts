import { Operation } from '@promptscope/core/provider';
import { describeBadInput, oursOf } from '@promptscope/testing/contract';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { anthropicAdapter } from './adapter.js';
import { type Any, bothWays, client, loadMajor, MAJORS, only, stable, useEnv } from './helpers.js';

const env = useEnv();
describeBadInput(anthropicAdapter, env);

// What is particular to this SDK: its stream() helper ends through the MessageStream's own events.
describe.each(MAJORS)('%s bad input: the stream() helper', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });
  afterEach(() => vi.restoreAllMocks());

  it('Operation.setResponse throwing under the stream() helper', async () => {
    env.fake.script({ chunks: 3 });
    vi.spyOn(Operation.prototype, 'setResponse').mockImplementation(() => {
      throw new Error('injected setResponse failure');
    });
    const body = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
    const { plain, instrumented } = await bothWays(mod, async () => {
      const stream = client(mod, env.fake).messages.stream(body);
      const texts: string[] = [];
      stream.on('text', (t: string) => texts.push(t));
      return stable({ texts, final: await stream.finalMessage() });
    });
    expect(plain.ok).toBe(true);
    expect(instrumented).toEqual(plain);
    const span = only(oursOf(anthropicAdapter, env.harness.spans()));
    expect(span.attributes['promptscope.instrumentation.error']).toMatch(/injected setResponse failure/);
    expect(span.status.code).toBe(0);
    expect(span.attributes['promptscope.stream.outcome']).toBe('completed');
  });
});
