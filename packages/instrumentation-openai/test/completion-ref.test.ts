import { completionOf, withPrompt } from '@promptscope/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AnyModule, client, instrumented, loadMajor, MAJORS, only, useEnv } from './helpers.js';

// What feedback stands on: a result the app got back leads to its completion's span.
const env = useEnv();

describe.each(MAJORS)('%s: completionOf(result)', (major) => {
  let mod: AnyModule;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  it('links a response, a stream and a parse() result to their spans', async () => {
    env.fake.script({ id: 'chatcmpl-ref1', model: 'gpt-4o-mini-2024-07-18', content: '{"a":1}' });
    const { res, stream, parsed } = await instrumented(mod, () =>
      withPrompt({ name: 'support-reply', version: '7', label: 'canary' }, async () => {
        const c = client(mod, env.fake);
        const res = await c.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'x' }],
        });
        const stream = await c.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'x' }],
          stream: true,
        });
        for await (const _ of stream);
        const completions = c.chat.completions.parse ? c.chat.completions : c.beta.chat.completions;
        const parsed = await completions.parse({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'x' }],
          response_format: { type: 'json_object' },
        });
        return { res, stream, parsed };
      }),
    );
    const spans = env.harness.spans();
    expect(spans).toHaveLength(3);
    for (const [value, span] of [
      [res, spans[0]],
      [stream, spans[1]],
      [parsed, spans[2]],
    ] as const) {
      const ref = completionOf(value);
      expect(ref).toEqual({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        traceFlags: 1,
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        responseId: 'chatcmpl-ref1',
        promptName: 'support-reply',
        promptVersion: '7',
        promptLabel: 'canary',
      });
    }
    expect(completionOf({})).toBeUndefined();
    expect(only([spans[0]]).name).toBe('chat gpt-4o-mini');
  });
});
