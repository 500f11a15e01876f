/**
 * gen_ai.prompt.variable.<key>: the variables a registry prompt was rendered with, on the completion's span,
 * only with content capture on, through the same redaction hook and byte budget as message content.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PromptscopeConfig, withPrompt } from '@promptscope/core';
import { instrument } from '@promptscope/instrumentation-openai';
import { createOtelHarness, type FakeProvider, type OtelHarness, startFakeProvider } from '@promptscope/testing';
import OpenAI from 'openai-v6';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPromptClient, type PromptClient, Registry } from '../src/index.js';

let harness: OtelHarness;
let fake: FakeProvider;
let prompts: PromptClient;
let client: OpenAI;

beforeAll(async () => {
  harness = createOtelHarness();
  fake = await startFakeProvider();
  const dir = await mkdtemp(join(tmpdir(), 'promptscope-vars-'));
  const registry = new Registry(dir);
  await registry.create('support-reply', {
    spec: {
      model: 'gpt-4o-mini',
      parameters: {},
      messages: [{ role: 'user', content: 'Ticket #{{ticket}} ({{tier}}): {{question}}' }],
      variables: {
        ticket: { type: 'number' },
        question: { type: 'string' },
        tier: { type: 'string', default: 'free' },
      },
    },
  });
  await registry.promote('support-reply', 1, 'production');
  prompts = createPromptClient({ source: { dir } });
  client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  prompts.close();
  await fake.close();
  await harness.shutdown();
});
beforeEach(() => harness.reset());

const VARS = { ticket: 7, question: 'Where is my parcel?' };
const variables = () =>
  Object.fromEntries(
    Object.entries(harness.spans().at(-1)?.attributes ?? {}).filter(([k]) => k.startsWith('gen_ai.prompt.variable.')),
  );

async function call(config: PromptscopeConfig, how: 'request' | 'render' | 'outside' = 'request') {
  const handle = instrument(OpenAI, {
    tracerProvider: harness.tracerProvider,
    meterProvider: harness.meterProvider,
    ...config,
  });
  try {
    const prompt = await prompts.get('support-reply');
    if (how === 'outside') {
      const body = prompt.request(VARS);
      await prompt.run(() => client.chat.completions.create(body as never));
    } else if (how === 'render') {
      await prompt.run(() => {
        const out = prompt.render(VARS);
        return client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: out.type === 'chat' ? (out.messages as never) : [],
        });
      });
    } else {
      await prompt.run(() => client.chat.completions.create(prompt.request(VARS) as never));
    }
    return harness.spans().at(-1)?.attributes ?? {};
  } finally {
    handle.uninstrument();
  }
}

describe('prompt variables on spans', () => {
  it('records the variables the app passed, as strings, with content capture on', async () => {
    const attrs = await call({ captureContent: true });
    expect(variables()).toEqual({
      'gen_ai.prompt.variable.ticket': '7',
      'gen_ai.prompt.variable.question': 'Where is my parcel?',
    });
    expect(attrs['gen_ai.prompt.name']).toBe('support-reply');
    await call({ captureContent: true }, 'render');
    expect(Object.keys(variables())).toEqual(['gen_ai.prompt.variable.ticket', 'gen_ai.prompt.variable.question']);
  });

  it('records nothing new with capture off', async () => {
    await call({ captureContent: false });
    expect(variables()).toEqual({});
    expect(await harness.exported()).not.toContain('Where is my parcel?');
  });

  it('goes through the redaction hook (kind prompt_variables); a throwing hook records none', async () => {
    const kinds: string[] = [];
    await call({
      captureContent: true,
      redact: (kind, value) => {
        kinds.push(kind);
        if (kind !== 'prompt_variables') return value;
        const { question: _q, ...rest } = value as Record<string, unknown>;
        return rest;
      },
    });
    expect(kinds).toContain('prompt_variables');
    expect(variables()).toEqual({ 'gen_ai.prompt.variable.ticket': '7' });
    const attrs = await call({
      captureContent: true,
      redact: (kind, value) => {
        if (kind === 'prompt_variables') throw new Error('no');
        return value;
      },
    });
    expect(variables()).toEqual({});
    expect(String(attrs['promptscope.instrumentation.error'])).toMatch(/^redact: no/);
  });

  it('fits each value to the content byte budget, and says it was shortened', async () => {
    const handle = instrument(OpenAI, {
      tracerProvider: harness.tracerProvider,
      captureContent: true,
      contentMaxBytes: 24,
    });
    try {
      await withPrompt({ name: 'p', version: '1', variables: { long: 'é'.repeat(40), short: 'ok' } }, () =>
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      );
    } finally {
      handle.uninstrument();
    }
    const v = variables();
    expect(v['gen_ai.prompt.variable.short']).toBe('ok');
    const long = v['gen_ai.prompt.variable.long'] as string;
    expect(long.endsWith('…[truncated]')).toBe(true);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(24);
    expect(harness.spans().at(-1)?.attributes['promptscope.content.truncated']).toBe(true);
  });

  it('a request rendered outside prompt.run() cannot be tied to the call: nothing is recorded', async () => {
    await call({ captureContent: true }, 'outside');
    expect(variables()).toEqual({});
  });
});
