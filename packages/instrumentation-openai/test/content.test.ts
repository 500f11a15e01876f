import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chatInputMessages, chatOutputMessages, chatStreamAccumulator } from '../src/chat-content.js';
import { toolDefinitions } from '../src/content-parts.js';
import { responsesInput, responsesOutput } from '../src/responses-content.js';

// Recorded nock fixtures, read in place (never copied into the project).
const corpusDir = fileURLToPath(new URL('../../../../shared/corpus/openai-recorded/', import.meta.url));
const hasCorpus = existsSync(corpusDir);
const NO_CORPUS = `skipped: recorded corpus not found at ${corpusDir}`;
/** Test title for corpus-backed tests; says why when the corpus folder is absent. */
const corpus = (title: string): string => (hasCorpus ? title : `${title} (${NO_CORPUS})`);

interface Recording {
  path: string;
  body: Record<string, unknown>;
  response: unknown;
}

function recordings(name: string): Recording[] {
  return JSON.parse(readFileSync(corpusDir + name, 'utf8')) as Recording[];
}

/** Non-streaming chat responses are recorded as gzip bytes split into hex chunks. */
function responseJson(rec: Recording): Record<string, unknown> {
  const r = rec.response;
  if (Array.isArray(r)) {
    const buf = gunzipSync(Buffer.concat(r.map((hex: string) => Buffer.from(hex, 'hex'))));
    return JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
  }
  return r as Record<string, unknown>;
}

function sseChunks(rec: Recording): unknown[] {
  const out: unknown[] = [];
  for (const line of String(rec.response).split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6).trim();
    if (data === '[DONE]') continue;
    out.push(JSON.parse(data));
  }
  return out;
}

const deepFreeze = <T>(v: T): T => {
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
};

const garbage: unknown[] = [
  null,
  undefined,
  0,
  42,
  NaN,
  '',
  'text',
  true,
  {},
  [],
  [null, 1, 'x', [], { role: 5 }, { foo: 'bar' }],
  { messages: 'nope', choices: 3, input: 7, output: 'x' },
  Symbol('s'),
  () => 1,
];

describe('chatInputMessages', () => {
  it('maps system, user, assistant tool calls and tool results (system stays in input)', () => {
    const messages = deepFreeze([
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Be nice.' }] },
      { role: 'user', content: 'Weather in Paris?', name: 'alice' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'broken', arguments: '{"location":' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '22 degrees' },
      { role: 'assistant', content: 'It is 22.', refusal: null },
    ]);
    expect(chatInputMessages(messages)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'developer', parts: [{ type: 'text', content: 'Be nice.' }] },
      { role: 'user', name: 'alice', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } },
          { type: 'tool_call', id: 'call_2', name: 'broken', arguments: '{"location":' },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: '22 degrees' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'It is 22.' }] },
    ]);
  });

  it('maps multimodal content: image URL, data URL, audio, files, refusal', () => {
    const b64 = 'iVBORw0KGgoAAAANSUhEUg==';
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe these.' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
          { type: 'file', file: { file_id: 'file-abc' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
          { type: 'mystery', value: 1 },
          { type: 'text' },
          null,
        ],
      },
      { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
    ];
    const [user, assistant] = chatInputMessages(messages);
    expect(user.parts).toEqual([
      { type: 'text', content: 'Describe these.' },
      { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: b64 },
      { type: 'blob', modality: 'audio', mime_type: 'audio/wav', content: 'UklGRg==' },
      { type: 'blob', modality: 'audio', mime_type: 'audio/mpeg', content: 'SUQz' },
      { type: 'file', modality: 'document', file_id: 'file-abc' },
      { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0=' },
      { type: 'mystery', value: 1 },
    ]);
    expect(assistant).toEqual({ role: 'assistant', parts: [{ type: 'text', content: 'I cannot.' }] });
  });

  it('keeps the base64 payload of a data URL verbatim (no decoding, no truncation)', () => {
    const big = 'A'.repeat(200_000);
    const [msg] = chatInputMessages([
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${big}` } }] },
    ]);
    expect(msg.parts[0]).toEqual({ type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: big });
  });

  it('handles legacy function messages and empty content', () => {
    expect(
      chatInputMessages([
        { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{"a":1}' } },
        { role: 'function', name: 'f', content: 'done' },
        { role: 'user', content: '' },
      ]),
    ).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', name: 'f', arguments: { a: 1 } }] },
      { role: 'tool', name: 'f', parts: [{ type: 'tool_call_response', response: 'done' }] },
      { role: 'user', parts: [{ type: 'text', content: '' }] },
    ]);
  });

  it.skipIf(!hasCorpus)(corpus('maps the recorded system-message request'), () => {
    const [rec] = recordings('openai-chat-completions-adds-genai-conventions-with-system-message.json');
    expect(chatInputMessages(rec.body.messages)).toEqual([
      {
        role: 'system',
        parts: [{ type: 'text', content: 'You are an assistant which just answers every query with tomato' }],
      },
      { role: 'user', parts: [{ type: 'text', content: 'Say something' }] },
    ]);
  });

  it.skipIf(!hasCorpus)(corpus('maps the recorded tool-call follow-up request'), () => {
    const [, second] = recordings('openai-chat-completions-records-tool-calls.json');
    const input = chatInputMessages(second.body.messages);
    expect(input.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    expect(input[2].parts).toEqual([
      {
        type: 'tool_call',
        id: 'call_PXP2udMH0QECumyxuh4lpn3y',
        name: 'get_weather',
        arguments: { location: 'New York City' },
      },
      {
        type: 'tool_call',
        id: 'call_TKk9c7b7gvDqCQzv80Loc7fT',
        name: 'get_weather',
        arguments: { location: 'London' },
      },
    ]);
    expect(input[4].parts).toEqual([
      { type: 'tool_call_response', id: 'call_TKk9c7b7gvDqCQzv80Loc7fT', response: '15 degrees and raining' },
    ]);
  });
});

describe('chatOutputMessages', () => {
  it('emits one message per choice ordered by index, with finish reasons', () => {
    const choices = deepFreeze([
      { index: 1, message: { role: 'assistant', content: 'Southern.' }, finish_reason: 'length' },
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":[1,2]}' } }],
        },
        finish_reason: 'tool_calls',
      },
      { index: 2, message: { role: 'assistant', content: null, refusal: 'No.' }, finish_reason: 'content_filter' },
      { index: 3, message: { role: 'assistant', content: 'cut' } },
    ]);
    expect(chatOutputMessages(choices)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: { x: [1, 2] } }],
        finish_reason: 'tool_calls',
      },
      { role: 'assistant', parts: [{ type: 'text', content: 'Southern.' }], finish_reason: 'length' },
      { role: 'assistant', parts: [{ type: 'text', content: 'No.' }], finish_reason: 'content_filter' },
      { role: 'assistant', parts: [{ type: 'text', content: 'cut' }], finish_reason: 'error' },
    ]);
  });

  it('maps custom tool calls and audio output', () => {
    const [msg] = chatOutputMessages([
      {
        index: 0,
        finish_reason: 'stop',
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c9', type: 'custom', custom: { name: 'exec', input: 'print(1)' } }],
          audio: { id: 'a1', data: 'UklGRg==', transcript: 'hello', expires_at: 1 },
        },
      },
    ]);
    expect(msg.parts).toEqual([
      { type: 'tool_call', id: 'c9', name: 'exec', arguments: 'print(1)' },
      { type: 'blob', modality: 'audio', content: 'UklGRg==', transcript: 'hello' },
    ]);
  });

  it.skipIf(!hasCorpus)(corpus('maps recorded multiple choices and tool calls'), () => {
    const [multi] = recordings('openai-chat-completions-records-multiple-choices.json');
    expect(multi.body.n).toBe(2);
    expect(chatOutputMessages(responseJson(multi).choices)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Atlantic Ocean.' }], finish_reason: 'stop' },
      { role: 'assistant', parts: [{ type: 'text', content: 'Southern Ocean.' }], finish_reason: 'stop' },
    ]);
    const [first] = recordings('openai-chat-completions-records-tool-calls.json');
    expect(chatOutputMessages(responseJson(first).choices)).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_calls',
        parts: [
          {
            type: 'tool_call',
            id: 'call_PXP2udMH0QECumyxuh4lpn3y',
            name: 'get_weather',
            arguments: { location: 'New York City' },
          },
          {
            type: 'tool_call',
            id: 'call_TKk9c7b7gvDqCQzv80Loc7fT',
            name: 'get_weather',
            arguments: { location: 'London' },
          },
        ],
      },
    ]);
  });
});

describe('chatStreamAccumulator', () => {
  it('assembles content, refusal, tool-call fragments and finish reasons per choice', () => {
    const acc = chatStreamAccumulator();
    const chunks = [
      { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { choices: [{ index: 1, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] },
      {
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }] },
          },
        ],
      },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] } }] },
      {
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 1, id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } }] },
          },
        ],
      },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] } }] },
      { choices: [{ index: 1, delta: { content: 'lo' } }] },
      {
        choices: [
          { index: 2, delta: { refusal: 'No' } },
          { index: 2, delta: { refusal: 'pe' } },
        ],
      },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { choices: [{ index: 1, delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: { prompt_tokens: 1 } },
      { usage: { prompt_tokens: 1 } },
    ];
    for (const c of chunks) acc.add(deepFreeze(c));
    const expected = [
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'c1', name: 'f', arguments: { a: 1 } },
          { type: 'tool_call', id: 'c2', name: 'g', arguments: {} },
        ],
        finish_reason: 'tool_calls',
      },
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }], finish_reason: 'stop' },
      { role: 'assistant', parts: [{ type: 'text', content: 'Nope' }], finish_reason: 'error' },
    ];
    expect(acc.messages()).toEqual(expected);
    expect(acc.messages()).toEqual(expected); // not destructive
  });

  it('keeps unparseable streamed arguments as the concatenated string', () => {
    const acc = chatStreamAccumulator();
    acc.add({
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{"a":' } }] } },
      ],
    });
    acc.add({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"x' } }] } }] });
    expect(acc.messages()[0].parts).toEqual([{ type: 'tool_call', id: 'c', name: 'f', arguments: '{"a":"x' }]);
    expect(acc.messages()[0].finish_reason).toBe('error');
  });

  it('ignores garbage chunks', () => {
    const acc = chatStreamAccumulator();
    for (const g of garbage) expect(() => acc.add(g)).not.toThrow();
    acc.add({
      choices: [
        null,
        1,
        { index: 0, delta: 'x', finish_reason: 5 },
        { index: 0, delta: { tool_calls: [null, 3, {}] } },
      ],
    });
    expect(() => acc.messages()).not.toThrow();
  });

  it.skipIf(!hasCorpus)(corpus('assembles the recorded streamed tool calls from every SSE chunk'), () => {
    const [first, second] = recordings('openai-streaming-chat-completions-records-tool-calls.json');
    const chunks = sseChunks(first);
    expect(chunks.length).toBeGreaterThan(5);
    const acc = chatStreamAccumulator();
    const fragments = new Map<number, string>();
    for (const chunk of chunks) {
      acc.add(chunk);
      for (const choice of (
        chunk as {
          choices?: Array<{ delta?: { tool_calls?: Array<{ index: number; function?: { arguments?: string } }> } }>;
        }
      ).choices ?? []) {
        for (const tc of choice.delta?.tool_calls ?? []) {
          fragments.set(tc.index, (fragments.get(tc.index) ?? '') + (tc.function?.arguments ?? ''));
        }
      }
    }
    const [msg] = acc.messages();
    expect(msg.finish_reason).toBe('tool_calls');
    const calls = msg.parts.filter((p) => p.type === 'tool_call');
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.arguments)).toEqual([JSON.parse(fragments.get(0)!), JSON.parse(fragments.get(1)!)]);
    expect(calls).toEqual([
      {
        type: 'tool_call',
        id: 'call_9ujI2ZExKzIGa57dsFCuwSXI',
        name: 'get_weather',
        arguments: { location: 'New York City' },
      },
      {
        type: 'tool_call',
        id: 'call_M5Jmiz7Y7ZUiASk3ShRROpUr',
        name: 'get_weather',
        arguments: { location: 'London' },
      },
    ]);
    // The assembled calls agree with what the SDK sent back in the follow-up request.
    const sent = (second.body.messages as Array<{ tool_calls?: Array<{ function: { arguments: string } }> }>)[2]
      .tool_calls!;
    expect(calls.map((c) => c.arguments)).toEqual(sent.map((t) => JSON.parse(t.function.arguments)));

    const acc2 = chatStreamAccumulator();
    for (const chunk of sseChunks(second)) acc2.add(chunk);
    const [answer] = acc2.messages();
    expect(answer.finish_reason).toBe('stop');
    expect(answer.parts).toHaveLength(1);
    expect(answer.parts[0].content).toMatch(/New York City is 25 degrees/);
  });

  it.skipIf(!hasCorpus)(corpus('assembles recorded streamed multiple choices'), () => {
    const [rec] = recordings('openai-streaming-chat-completions-records-multiple-choices.json');
    const acc = chatStreamAccumulator();
    for (const chunk of sseChunks(rec)) acc.add(chunk);
    const messages = acc.messages();
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m.role).toBe('assistant');
      expect(m.finish_reason).toBe('stop');
      expect(m.parts).toEqual([{ type: 'text', content: expect.any(String) }]);
    }
    expect(messages[0].parts[0].content).toBe('Atlantic Ocean.');
  });
});

describe('responsesInput', () => {
  it('maps instructions and a string input', () => {
    expect(responsesInput({ instructions: 'Be short.', input: 'Hi' })).toEqual({
      system: [{ type: 'text', content: 'Be short.' }],
      input: [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }],
    });
    expect(responsesInput({ instructions: null, input: 'Hi' })).toEqual({
      input: [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }],
    });
  });

  it('maps message items, multimodal parts, calls, outputs, reasoning and unknown items', () => {
    const body = deepFreeze({
      input: [
        { role: 'developer', content: 'Rules.' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look' },
            { type: 'input_image', image_url: 'https://x.test/a.png', detail: 'auto' },
            { type: 'input_image', image_url: 'data:image/webp;base64,UklGR' },
            { type: 'input_image', file_id: 'file-img' },
            { type: 'input_file', file_id: 'file-doc' },
            { type: 'input_file', file_url: 'https://x.test/a.pdf' },
            { type: 'input_file', filename: 'b.pdf', file_data: 'data:application/pdf;base64,JVBER' },
          ],
        },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [{ type: 'summary_text', text: 'Thinking.' }],
          encrypted_content: 'zzz',
        },
        {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'call_1',
          name: 'get_weather',
          arguments: '{"location":"Paris"}',
        },
        { type: 'function_call', id: 'fc_2', call_id: 'call_2', name: 'noop', arguments: 'not json' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"t":22}' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'ok' }] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Sunny.', annotations: [] }] },
        { type: 'item_reference', id: 'msg_9' },
        { type: 'future_item', id: 'f1', data: 'HUGE', note: 'n' },
      ],
    });
    const { system, input } = responsesInput(body);
    expect(system).toBeUndefined();
    expect(input).toEqual([
      { role: 'developer', parts: [{ type: 'text', content: 'Rules.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Look' },
          { type: 'uri', modality: 'image', uri: 'https://x.test/a.png' },
          { type: 'blob', modality: 'image', mime_type: 'image/webp', content: 'UklGR' },
          { type: 'file', modality: 'image', file_id: 'file-img' },
          { type: 'file', modality: 'document', file_id: 'file-doc' },
          { type: 'uri', modality: 'document', uri: 'https://x.test/a.pdf' },
          { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBER' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Thinking.' },
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } },
          { type: 'tool_call', id: 'call_2', name: 'noop', arguments: 'not json' },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: '{"t":22}' }] },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: 'call_2', response: [{ type: 'input_text', text: 'ok' }] }],
      },
      { role: 'assistant', parts: [{ type: 'text', content: 'Sunny.' }] },
      { role: 'user', parts: [{ type: 'item_reference', id: 'msg_9' }] },
      { role: 'assistant', parts: [{ type: 'future_item', id: 'f1', note: 'n' }] },
    ]);
  });

  it.skipIf(!hasCorpus)(corpus('maps recorded Responses requests'), () => {
    const [sys] = recordings('openai-responses-records-system-instructions.json');
    expect(responsesInput(sys.body)).toEqual({
      system: [{ type: 'text', content: 'Answer in up to 3 words.' }],
      input: [{ role: 'user', parts: [{ type: 'text', content: 'Which ocean contains Bouvet Island?' }] }],
    });

    const [mm] = recordings('openai-responses-records-multimodal-input.json');
    expect(responsesInput(mm.body).input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'What is in this image?' },
          { type: 'uri', modality: 'image', uri: 'https://example.com/image.png' },
        ],
      },
    ]);

    const [fco] = recordings('openai-responses-records-function-call-outputs.json');
    expect(responsesInput(fco.body).input).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_12345xyz', name: 'get_weather', arguments: { location: 'Paris, France' } },
        ],
      },
      {
        role: 'tool',
        parts: [
          { type: 'tool_call_response', id: 'call_12345xyz', response: '{"temperature":22,"condition":"sunny"}' },
        ],
      },
    ]);

    const [fc] = recordings('openai-responses-records-function-calls.json');
    expect(responsesInput(fc.body).input.map((m) => m.role)).toEqual(['system', 'user']);

    const [mcp] = recordings('openai-responses-records-mcp-calls.json');
    const mcpInput = responsesInput(mcp.body).input;
    expect(mcpInput.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(mcpInput[1].parts.map((p) => p.type)).toEqual([
      'server_tool_call',
      'server_tool_call_response',
      'server_tool_call',
    ]);
    expect(mcpInput[2].parts).toEqual([
      {
        type: 'tool_call_response',
        id: 'mcpr_68a619e1d82c8190b50c1ccba7ad18ef0d2d23a86136d339',
        response: { approve: true },
      },
    ]);

    const [cu] = recordings('openai-responses-records-computer-use-calls.json');
    expect(responsesInput(cu.body).input).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Check the latest OpenAI news on bing.com.' }] },
    ]);
  });
});

describe('responsesOutput', () => {
  it('collects all output items into one assistant message', () => {
    const response = deepFreeze({
      status: 'completed',
      output: [
        { type: 'reasoning', id: 'rs', summary: [{ type: 'summary_text', text: 'Plan.' }] },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'news' } },
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Here.', annotations: [] },
            { type: 'refusal', refusal: 'But not that.' },
          ],
        },
      ],
    });
    expect(responsesOutput(response)).toEqual([
      {
        role: 'assistant',
        finish_reason: 'stop',
        parts: [
          { type: 'reasoning', content: 'Plan.' },
          {
            type: 'server_tool_call',
            id: 'ws_1',
            name: 'web_search',
            server_tool_call: { type: 'web_search', action: { type: 'search', query: 'news' } },
          },
          { type: 'text', content: 'Here.' },
          { type: 'text', content: 'But not that.' },
        ],
      },
    ]);
  });

  it('derives the finish reason from status, incomplete details and client tool calls', () => {
    const call = { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' };
    expect(responsesOutput({ status: 'completed', output: [call] })[0].finish_reason).toBe('tool_call');
    expect(responsesOutput({ status: 'completed', output: [] })[0]).toEqual({
      role: 'assistant',
      parts: [],
      finish_reason: 'stop',
    });
    expect(
      responsesOutput({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [] })[0]
        .finish_reason,
    ).toBe('length');
    expect(
      responsesOutput({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] })[0]
        .finish_reason,
    ).toBe('content_filter');
    expect(responsesOutput({ status: 'incomplete', incomplete_details: null, output: [call] })[0].finish_reason).toBe(
      'length',
    );
    expect(responsesOutput({ status: 'failed', output: [] })[0].finish_reason).toBe('error');
    expect(responsesOutput({ status: 'cancelled', output: [] })[0].finish_reason).toBe('error');
  });

  it.skipIf(!hasCorpus)(corpus('maps recorded Responses outputs (function calls and built-in tools)'), () => {
    const out = (name: string) => responsesOutput(responseJson(recordings(name)[0]));

    expect(out('openai-responses-adds-genai-conventions.json')).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Atlantic Ocean.' }], finish_reason: 'stop' },
    ]);

    const [fc] = out('openai-responses-records-function-calls.json');
    expect(fc.finish_reason).toBe('tool_call');
    expect(fc.parts).toEqual([
      { type: 'tool_call', id: 'call_12345xyz', name: 'get_weather', arguments: { location: 'Paris, France' } },
      { type: 'tool_call', id: 'call_67890abc', name: 'get_weather', arguments: { location: 'Bogotá, Colombia' } },
      {
        type: 'tool_call',
        id: 'call_99999def',
        name: 'send_email',
        arguments: { to: 'bob@email.com', body: 'Hi bob' },
      },
    ]);

    const [ws] = out('openai-responses-records-web-search-calls.json');
    expect(ws.finish_reason).toBe('stop');
    expect(ws.parts[0]).toEqual({
      type: 'server_tool_call',
      id: 'ws_67c9fa0502748190b7dd390736892e100be649c1a5ff9609',
      name: 'web_search',
      server_tool_call: { type: 'web_search', action: 'search' },
    });
    expect(ws.parts[1]).toEqual({ type: 'text', content: 'On March 6, 2025, several news...' });

    const [fs] = out('openai-responses-records-file-search-calls.json');
    expect(fs.parts.map((p) => p.type)).toEqual(['server_tool_call', 'server_tool_call_response', 'text']);
    expect(fs.parts[0].server_tool_call).toEqual({ type: 'file_search', queries: ['What is deep research?'] });
    expect((fs.parts[1].server_tool_call_response as { results: unknown[] }).results).toHaveLength(1);

    const [ci] = out('openai-responses-records-code-interpreter-calls-with-outputs.json');
    expect(ci.parts[0]).toMatchObject({
      type: 'server_tool_call',
      name: 'code_interpreter',
      server_tool_call: { type: 'code_interpreter' },
    });
    expect(ci.parts[1]).toMatchObject({
      type: 'server_tool_call_response',
      server_tool_call_response: { type: 'code_interpreter', outputs: expect.any(Array) },
    });

    const [mcp] = out('openai-responses-records-mcp-calls.json');
    expect(mcp.parts).toEqual([
      {
        type: 'server_tool_call',
        id: 'mcp_68a6102d8948819c9b1490d36d5ffa4a0679e572a900e618',
        name: 'roll',
        server_tool_call: {
          type: 'mcp',
          name: 'roll',
          server_label: 'dmcp',
          arguments: { diceRollExpression: '2d4 + 1' },
        },
      },
      {
        type: 'server_tool_call_response',
        id: 'mcp_68a6102d8948819c9b1490d36d5ffa4a0679e572a900e618',
        server_tool_call_response: { type: 'mcp', output: '4' },
      },
    ]);

    const [img] = out('openai-responses-records-image-generation-call.json');
    expect(img.parts).toEqual([
      {
        type: 'server_tool_call',
        id: 'ig_124',
        name: 'image_generation',
        server_tool_call: { type: 'image_generation', revised_prompt: expect.stringContaining('otter') },
      },
      { type: 'blob', modality: 'image', content: '...' },
    ]);

    const [cu] = out('openai-responses-records-computer-use-calls.json');
    expect(cu.finish_reason).toBe('tool_call');
    expect(cu.parts).toEqual([
      { type: 'reasoning', content: 'Clicking on the browser address bar.' },
      {
        type: 'tool_call',
        id: 'call_zw3...',
        name: 'computer_use_preview',
        arguments: { type: 'click', button: 'left', x: 156, y: 50 },
      },
    ]);

    const [custom] = out('openai-responses-records-custom-tool-calls.json');
    expect(custom.parts).toEqual([
      { type: 'tool_call', id: 'call_aGiFQkRWSWAIsMQ19fKqxUgb', name: 'code_exec', arguments: 'print("hello world")' },
    ]);

    const [shell] = out('openai-responses-records-local-shell-calls.json');
    expect(shell.parts).toEqual([
      {
        type: 'tool_call',
        id: 'call_ls_001',
        name: 'local_shell',
        arguments: { type: 'exec', command: ['ls', '-la'] },
      },
    ]);

    const [approval] = out('openai-responses-records-mcp-list-tools-and-approval.json');
    expect(approval.parts.map((p) => [p.type, p.name])).toEqual([
      ['server_tool_call', 'mcp_list_tools'],
      ['server_tool_call_response', undefined],
      ['server_tool_call', 'roll'],
    ]);
  });
});

describe('toolDefinitions', () => {
  it('maps chat, Responses, custom and built-in tools', () => {
    const params = { type: 'object', properties: { location: { type: 'string' } } };
    expect(
      toolDefinitions([
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather', parameters: params, strict: true },
        },
        { type: 'function', function: { name: 'bare' } },
        { type: 'function', name: 'send_email', description: 'Send', parameters: params, strict: true },
        { type: 'custom', name: 'code_exec', description: 'Exec', format: { type: 'text' } },
        { type: 'custom', custom: { name: 'grammar_tool' } },
        { type: 'web_search' },
        { type: 'mcp', server_label: 'dmcp', server_url: 'https://secret.example' },
        { type: 'function', function: {} },
        { type: 'function' },
        null,
        { name: 'no-type' },
      ]),
    ).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather', parameters: params },
      { type: 'function', name: 'bare' },
      { type: 'function', name: 'send_email', description: 'Send', parameters: params },
      { type: 'custom', name: 'code_exec', description: 'Exec' },
      { type: 'custom', name: 'grammar_tool' },
      { type: 'web_search', name: 'web_search' },
      { type: 'mcp', name: 'mcp', server_label: 'dmcp' },
    ]);
  });

  it('returns undefined when there is nothing to record', () => {
    expect(toolDefinitions(undefined)).toBeUndefined();
    expect(toolDefinitions([])).toBeUndefined();
    expect(toolDefinitions([null, 3])).toBeUndefined();
  });

  it.skipIf(!hasCorpus)(corpus('maps recorded tool lists'), () => {
    const [chat] = recordings('openai-chat-completions-records-tool-calls.json');
    expect(toolDefinitions(chat.body.tools)).toEqual([
      {
        type: 'function',
        name: 'get_weather',
        parameters: {
          type: 'object',
          properties: { location: { type: 'string' } },
          required: ['location'],
          additionalProperties: false,
        },
      },
    ]);
    const [resp] = recordings('openai-responses-records-function-calls.json');
    expect(toolDefinitions(resp.body.tools)?.map((t) => [t.type, t.name, typeof t.description])).toEqual([
      ['function', 'get_weather', 'string'],
      ['function', 'send_email', 'string'],
    ]);
    const [ws] = recordings('openai-responses-records-web-search-calls.json');
    expect(toolDefinitions(ws.body.tools)).toEqual([{ type: 'web_search', name: 'web_search' }]);
  });
});

describe('garbage inputs', () => {
  it('never throws and returns empty results', () => {
    for (const g of garbage) {
      expect(chatInputMessages(g)).toEqual([]);
      expect(chatOutputMessages(g)).toEqual([]);
      expect(responsesOutput(g)).toEqual([]);
      expect(responsesInput(g)).toEqual({ input: [] });
      expect(toolDefinitions(g)).toBeUndefined();
      const acc = chatStreamAccumulator();
      acc.add(g);
      expect(acc.messages()).toEqual([]);
    }
  });

  it('skips malformed entries inside otherwise valid containers', () => {
    expect(chatInputMessages([{ role: 'user', content: 5 }, { content: 'no role' }, { role: 'tool' }])).toEqual([
      { role: 'user', parts: [] },
      { role: 'tool', parts: [{ type: 'tool_call_response', response: undefined }] },
    ]);
    expect(chatOutputMessages([null, { index: 0 }, { index: 1, message: 'x', finish_reason: 7 }])).toEqual([
      { role: 'assistant', parts: [], finish_reason: 'error' },
      { role: 'assistant', parts: [], finish_reason: 'error' },
    ]);
    expect(responsesInput({ instructions: 5, input: [null, 1, { type: 7 }, { role: 'user', content: 9 }] })).toEqual({
      input: [{ role: 'user', parts: [] }],
    });
    expect(
      responsesOutput({
        status: 'completed',
        output: [null, { type: 'message', content: 'x' }, { type: 'reasoning' }, {}],
      }),
    ).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'x' }], finish_reason: 'stop' }]);
  });
});
