import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyClient,
  type AnyModule,
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

// The SDK's helpers build on a promise derived with `_thenUnwrap` (`.parse()`, responses' output_text,
// embeddings' base64 decoding; in openai 7 even `create`). Each SDK major derives differently (openai 7
// gives every promise its own `_thenUnwrap` closure that bypasses the hooked parser), so every helper, on
// every major, must behave as without us and carry everything the plain call of the same API carries.
const env = useEnv();
afterEach(() => {
  expect(diagnostics.filter((d) => d.includes('ended'))).toEqual([]);
});

const messages = [{ role: 'user', content: 'json please' }];
const CHAT = { model: 'gpt-4o-mini', messages, response_format: { type: 'json_object' } };
const RESPONSES = { model: 'gpt-4o-mini', input: 'json please', text: { format: { type: 'json_object' } } };

interface Helper {
  name: string;
  /** The helper under test. */
  call(c: AnyClient): AnyClient;
  /** The plain call of the same API with the same body: the attribute table the helper must match. */
  reference(c: AnyClient): AnyClient;
  /** Attributes that legitimately differ between the two (the request itself differs). */
  differs?: string[];
}

function helpers(mod: AnyModule): Helper[] {
  const probe = client(mod, env.fake);
  const chatParse = probe.chat.completions.parse ? ['chat', 'completions'] : ['beta', 'chat', 'completions'];
  const at = (c: AnyClient, path: string[]) => path.reduce((o, k) => o[k], c);
  return [
    {
      name: 'chat.completions.parse()',
      call: (c) => at(c, chatParse).parse(CHAT),
      reference: (c) => c.chat.completions.create(CHAT),
    },
    {
      name: 'chat.completions.create() (derived inside the SDK in openai 7)',
      call: (c) => c.chat.completions.create(CHAT),
      reference: (c) => c.chat.completions.create(CHAT),
    },
    {
      name: 'responses.create() (adds output_text through _thenUnwrap)',
      call: (c) => c.responses.create(RESPONSES),
      reference: (c) => c.responses.create(RESPONSES),
    },
    {
      name: 'responses.parse()',
      call: (c) => c.responses.parse(RESPONSES),
      reference: (c) => c.responses.create(RESPONSES),
    },
    {
      name: 'embeddings.create() (decodes base64 through _thenUnwrap)',
      call: (c) => c.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' }),
      reference: (c) => c.embeddings.create({ model: 'text-embedding-3-small', input: 'hi', encoding_format: 'float' }),
      differs: ['gen_ai.request.encoding_formats'],
    },
  ];
}

function attributesOf(span: ReadableSpan, differs: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(span.attributes)) if (!differs.includes(k)) out[k] = v;
  return out;
}

describe.each(MAJORS)('%s: helpers on derived promises', (major) => {
  let mod: AnyModule;
  let list: Helper[];
  beforeAll(async () => {
    mod = await loadMajor(major);
    list = helpers(mod);
  });

  const each = (fn: (h: Helper) => Promise<void>) => async () => {
    for (const h of list) {
      await env.harness.reset();
      try {
        await fn(h);
      } catch (err) {
        throw new Error(`${h.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
  };

  it(
    'await: the same result as without instrumentation, one span, the attributes of the plain call',
    each(async (h) => {
      env.fake.script({ content: '{"answer":42}', id: 'derived-1', usage: { input: 9, output: 4 } });
      const { plain, instrumented: inst } = await bothWays(mod, () => h.call(client(mod, env.fake)));
      expect(stable(inst)).toEqual(stable(plain));
      expect(plain.ok).toBe(true);
      const span = only(env.harness.spans());
      const a = span.attributes;
      expect(a['http.response.status_code']).toBe(200);
      expect(a['gen_ai.usage.input_tokens']).toBe(9);
      expect(a['promptscope.cost.usd']).toBeGreaterThan(0);
      expect(span.status.code).toBe(0);

      await env.harness.reset();
      env.fake.script({ content: '{"answer":42}', id: 'derived-1', usage: { input: 9, output: 4 } });
      await instrumented(mod, () => h.reference(client(mod, env.fake)));
      const reference = only(env.harness.spans());
      expect(attributesOf(span, h.differs)).toEqual(attributesOf(reference, h.differs));
    }),
  );

  it(
    'withResponse(): the same data and response, one span with the status code and usage',
    each(async (h) => {
      env.fake.script({ content: '{"answer":42}', usage: { input: 9, output: 4 } });
      const scenario = async () => {
        const { data, response } = await h.call(client(mod, env.fake)).withResponse();
        return { data, status: response.status, type: response.headers.get('content-type') };
      };
      const { plain, instrumented: inst } = await bothWays(mod, scenario);
      expect(stable(inst)).toEqual(stable(plain));
      const a = only(env.harness.spans()).attributes;
      expect(a['http.response.status_code']).toBe(200);
      expect(a['gen_ai.usage.input_tokens']).toBe(9);
    }),
  );

  it(
    'asResponse(): the raw body is left to the caller, and the span ends once, with the status code',
    each(async (h) => {
      env.fake.script({ content: '{"answer":42}', usage: { input: 9, output: 4 } });
      const scenario = async () => {
        const response = await h.call(client(mod, env.fake)).asResponse();
        return { status: response.status, body: JSON.parse(await response.text()).object };
      };
      const { plain, instrumented: inst } = await bothWays(mod, scenario);
      expect(inst).toEqual(plain);
      // The span ends when the response arrives, not at the abandon timeout.
      const span = only(env.harness.spans());
      expect(span.attributes['http.response.status_code']).toBe(200);
      expect(span.attributes['error.type']).toBeUndefined();
    }),
  );

  it(
    'a provider error: the same error, one span with error.type and the status code',
    each(async (h) => {
      env.fake.script({ fault: 'server_error' });
      const { plain, instrumented: inst } = await bothWays(mod, () => h.call(client(mod, env.fake)));
      expect(plain.ok).toBe(false);
      expect(inst).toEqual(plain);
      const a = only(env.harness.spans()).attributes;
      expect(a['error.type']).toBe('500');
      expect(a['http.response.status_code']).toBe(500);
    }),
  );
});
