import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Any,
  bothWays,
  client,
  diagnostics,
  instrumented,
  loadMajor,
  MAJORS,
  only,
  stable,
  useEnv,
} from './helpers.js';

// The SDK's helpers built on `create`: `parse()` (0.71 on beta, 0.137+ on both) and, on 0.137+ with the
// SDK's own tracing on, a `_thenUnwrap` inside `create`. Each must behave as without us and carry every
// attribute the plain `create` of the same body carries.
const env = useEnv();
afterEach(() => {
  expect(diagnostics.filter((d) => d.includes('ended'))).toEqual([]);
});

const BODY = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'json please' }] };

const attributes = (span: ReadableSpan) => ({ ...span.attributes });

describe.each(MAJORS)('%s: helpers built on create', (major) => {
  let mod: Any;
  beforeAll(async () => {
    mod = await loadMajor(major);
  });

  const targets = (c: Any): [string, Any][] =>
    [
      ['messages', c.messages],
      ['beta.messages', c.beta?.messages],
    ].filter(([, m]) => typeof m?.parse === 'function') as [string, Any][];

  it('parse(): the same result, one span, the attributes of create()', async () => {
    const found = targets(client(mod, env.fake));
    if (major === 'anthropic-v0-39') expect(found).toEqual([]);
    else expect(found.length).toBeGreaterThan(0);
    for (const [name] of found) {
      const on = (c: Any) => (name === 'messages' ? c.messages : c.beta.messages);
      await env.harness.reset();
      env.fake.script({ content: '{"answer":42}', id: 'msg_derived', usage: { input: 9, output: 4 } });
      const { plain, instrumented: inst } = await bothWays(mod, () => on(client(mod, env.fake)).parse(BODY));
      expect(plain.ok, name).toBe(true);
      expect(stable(inst), name).toEqual(stable(plain));
      // The uninstrumented run above traced itself (0.137+): look at an instrumented run alone.
      await env.harness.reset();
      env.fake.script({ content: '{"answer":42}', id: 'msg_derived', usage: { input: 9, output: 4 } });
      await instrumented(mod, () => on(client(mod, env.fake)).parse(BODY));
      const span = only(env.harness.spans());
      expect(span.attributes['http.response.status_code'], name).toBe(200);
      expect(span.attributes['gen_ai.usage.output_tokens'], name).toBe(4);

      await env.harness.reset();
      env.fake.script({ content: '{"answer":42}', id: 'msg_derived', usage: { input: 9, output: 4 } });
      await instrumented(mod, () => on(client(mod, env.fake)).create(BODY));
      expect(attributes(span), name).toEqual(attributes(only(env.harness.spans())));
    }
  });

  it('parse() of a provider error: the same error, one span with error.type', async () => {
    for (const [name] of targets(client(mod, env.fake))) {
      const on = (c: Any) => (name === 'messages' ? c.messages : c.beta.messages);
      await env.harness.reset();
      env.fake.script({ fault: 'overloaded' });
      const { plain, instrumented: inst } = await bothWays(mod, () => on(client(mod, env.fake)).parse(BODY));
      expect(plain.ok, name).toBe(false);
      expect(inst, name).toEqual(plain);
      await env.harness.reset();
      env.fake.script({ fault: 'overloaded' });
      await instrumented(mod, () => on(client(mod, env.fake)).parse(BODY)).catch(() => {});
      expect(only(env.harness.spans()).attributes['error.type'], name).toBe('529');
    }
  });
});
