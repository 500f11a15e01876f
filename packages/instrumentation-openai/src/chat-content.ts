/**
 * Chat Completions content: `messages` of a request, the choices of a `ChatCompletion`, and the chunks of a
 * stream accumulated per choice (delta content, refusals, tool-call fragments, finish reasons), as GenAI
 * input and output messages. Pure and total, like every mapping here (see content-parts.ts).
 */
import { FINISH_REASON_UNKNOWN } from '@promptscope/core/provider';
import {
  blobPart,
  filePartFrom,
  genericPart,
  type InputMessage,
  inputAudioPart,
  isObj,
  type Obj,
  type OutputMessage,
  type Part,
  parseArguments,
  pushContentParts,
  str,
  textPart,
  textPartOf,
  toolCallPart,
  toolCallResponsePart,
  urlPart,
} from './content-parts.js';

export interface ChatStreamAccumulator {
  add(chunk: unknown): void;
  messages(): OutputMessage[];
}

function chatContentPart(p: unknown): Part | undefined {
  if (typeof p === 'string') return textPart(p);
  if (!isObj(p)) return undefined;
  const type = str(p.type);
  switch (type) {
    case 'text':
      return textPartOf(p.text);
    case 'refusal':
      return textPartOf(p.refusal);
    case 'image_url': {
      const img = p.image_url;
      const url = isObj(img) ? str(img.url) : str(img);
      return url === undefined ? undefined : urlPart(url, 'image');
    }
    case 'input_audio':
      return inputAudioPart(p.input_audio);
    case 'file':
      return isObj(p.file) ? filePartFrom(p.file) : undefined;
    case undefined:
      return undefined;
    default:
      return genericPart(p, type);
  }
}

/** Appends text parts for `content` (string or array of parts). Empty strings are only kept as the sole content. */
function pushChatContent(parts: Part[], content: unknown): void {
  pushContentParts(parts, content, chatContentPart, false);
}

function pushChatToolCalls(parts: Part[], toolCalls: unknown): void {
  if (!Array.isArray(toolCalls)) return;
  for (const tc of toolCalls) {
    if (!isObj(tc)) continue;
    if (isObj(tc.function)) {
      parts.push(toolCallPart(tc.id, tc.function.name, tc.function.arguments));
    } else if (isObj(tc.custom)) {
      // Custom (free-form) tools: the input is plain text, not JSON.
      const part = toolCallPart(tc.id, tc.custom.name, undefined);
      if (tc.custom.input !== undefined) part.arguments = tc.custom.input;
      parts.push(part);
    }
  }
}

/** `body.messages` of `chat.completions.create`; system/developer messages stay in the input (OpenAI refinement). */
export function chatInputMessages(messages: unknown): InputMessage[] {
  const out: InputMessage[] = [];
  if (!Array.isArray(messages)) return out;
  for (const m of messages) {
    if (!isObj(m)) continue;
    const role = str(m.role);
    if (!role) continue;
    const parts: Part[] = [];
    const name = str(m.name);
    if (role === 'tool') {
      parts.push(toolCallResponsePart(m.tool_call_id, m.content));
      out.push({ role, parts });
      continue;
    }
    if (role === 'function') {
      // Deprecated function-calling protocol: the result of a call, identified by function name only.
      parts.push(toolCallResponsePart(undefined, m.content));
      const msg: InputMessage = { role: 'tool', parts };
      if (name) msg.name = name;
      out.push(msg);
      continue;
    }
    pushChatContent(parts, m.content);
    const refusal = str(m.refusal);
    if (refusal) parts.push(textPart(refusal));
    pushChatToolCalls(parts, m.tool_calls);
    if (isObj(m.function_call)) parts.push(toolCallPart(undefined, m.function_call.name, m.function_call.arguments));
    if (parts.length === 0 && m.content === '') parts.push(textPart(''));
    const msg: InputMessage = { role, parts };
    if (name) msg.name = name;
    out.push(msg);
  }
  return out;
}

function chatOutputMessage(choice: Obj): OutputMessage {
  const parts: Part[] = [];
  const message = choice.message;
  let role = 'assistant';
  if (isObj(message)) {
    role = str(message.role) || 'assistant';
    pushChatContent(parts, message.content);
    const refusal = str(message.refusal);
    if (refusal) parts.push(textPart(refusal));
    pushChatToolCalls(parts, message.tool_calls);
    if (isObj(message.function_call)) {
      parts.push(toolCallPart(undefined, message.function_call.name, message.function_call.arguments));
    }
    if (isObj(message.audio) && typeof message.audio.data === 'string') {
      const part = blobPart('audio', undefined, message.audio.data);
      if (typeof message.audio.transcript === 'string') part.transcript = message.audio.transcript;
      parts.push(part);
    }
    if (parts.length === 0 && message.content === '') parts.push(textPart(''));
  }
  return { role, parts, finish_reason: str(choice.finish_reason) || FINISH_REASON_UNKNOWN };
}

function isChoice(v: unknown): v is Obj {
  return isObj(v) && ('message' in v || 'delta' in v || 'index' in v || 'finish_reason' in v);
}

function choiceIndex(choice: Obj, position: number): number {
  const index = choice.index;
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : position;
}

/** `ChatCompletion.choices` -> one assistant message per choice, ordered by `index`. */
export function chatOutputMessages(choices: unknown): OutputMessage[] {
  if (!Array.isArray(choices)) return [];
  const indexed: Array<{ index: number; message: OutputMessage }> = [];
  for (let i = 0; i < choices.length; i++) {
    const choice: unknown = choices[i];
    if (!isChoice(choice)) continue;
    indexed.push({ index: choiceIndex(choice, i), message: chatOutputMessage(choice) });
  }
  indexed.sort((a, b) => a.index - b.index);
  return indexed.map((e) => e.message);
}

interface StreamToolCall {
  id?: string;
  name?: string;
  kind: 'function' | 'custom';
  args: string;
  sawArgs: boolean;
}

interface StreamChoice {
  role?: string;
  text: string;
  sawContent: boolean;
  refusal: string;
  toolCalls: Map<number, StreamToolCall>;
  legacyCall?: { name?: string; args: string };
  audio?: { data: string; transcript: string };
  finishReason?: string;
}

/** Fragments without an `index` (some OpenAI-compatible servers): a new `id` opens a call, else continue the last. */
function fallbackToolIndex(state: StreamChoice, tc: Obj): number {
  let last = -1;
  for (const k of state.toolCalls.keys()) if (k > last) last = k;
  if (last < 0) return 0;
  const current = state.toolCalls.get(last);
  const id = tc.id;
  return typeof id === 'string' && id !== '' && current?.id !== undefined && current.id !== id ? last + 1 : last;
}

/** Accumulates `ChatCompletionChunk`s (delta content, refusal, tool-call fragments, finish reasons) per choice. */
export function chatStreamAccumulator(): ChatStreamAccumulator {
  const choices = new Map<number, StreamChoice>();

  function addToolCalls(state: StreamChoice, toolCalls: unknown): void {
    if (!Array.isArray(toolCalls)) return;
    for (let i = 0; i < toolCalls.length; i++) {
      const tc: unknown = toolCalls[i];
      if (!isObj(tc)) continue;
      const index = typeof tc.index === 'number' ? tc.index : fallbackToolIndex(state, tc);
      let call = state.toolCalls.get(index);
      if (!call) {
        call = { kind: 'function', args: '', sawArgs: false };
        state.toolCalls.set(index, call);
      }
      if (call.id === undefined && typeof tc.id === 'string' && tc.id !== '') call.id = tc.id;
      const fn = isObj(tc.function) ? tc.function : isObj(tc.custom) ? tc.custom : undefined;
      if (tc.type === 'custom' || isObj(tc.custom)) call.kind = 'custom';
      if (fn) {
        if (call.name === undefined && typeof fn.name === 'string' && fn.name !== '') call.name = fn.name;
        const fragment = call.kind === 'custom' ? fn.input : fn.arguments;
        if (typeof fragment === 'string') {
          call.args += fragment;
          call.sawArgs = true;
        }
      }
    }
  }

  return {
    add(chunk: unknown): void {
      if (!isObj(chunk) || !Array.isArray(chunk.choices)) return;
      const list = chunk.choices;
      for (let i = 0; i < list.length; i++) {
        const choice: unknown = list[i];
        if (!isChoice(choice)) continue;
        const index = choiceIndex(choice, i);
        let state = choices.get(index);
        if (!state) {
          state = { text: '', sawContent: false, refusal: '', toolCalls: new Map() };
          choices.set(index, state);
        }
        const delta = choice.delta;
        if (isObj(delta)) {
          if (state.role === undefined && typeof delta.role === 'string' && delta.role !== '') state.role = delta.role;
          if (typeof delta.content === 'string') {
            state.text += delta.content;
            state.sawContent = true;
          }
          if (typeof delta.refusal === 'string') state.refusal += delta.refusal;
          addToolCalls(state, delta.tool_calls);
          const fc = delta.function_call;
          if (isObj(fc)) {
            const legacy = (state.legacyCall ??= { args: '' });
            if (legacy.name === undefined && typeof fc.name === 'string' && fc.name !== '') legacy.name = fc.name;
            if (typeof fc.arguments === 'string') legacy.args += fc.arguments;
          }
          const audio = delta.audio;
          if (isObj(audio)) {
            const acc = (state.audio ??= { data: '', transcript: '' });
            if (typeof audio.data === 'string') acc.data += audio.data;
            if (typeof audio.transcript === 'string') acc.transcript += audio.transcript;
          }
        }
        if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
          state.finishReason = choice.finish_reason;
        }
      }
    },

    messages(): OutputMessage[] {
      const indices = [...choices.keys()].sort((a, b) => a - b);
      const out: OutputMessage[] = [];
      for (const index of indices) {
        const state = choices.get(index) as StreamChoice;
        const parts: Part[] = [];
        if (state.text !== '') parts.push(textPart(state.text));
        if (state.refusal !== '') parts.push(textPart(state.refusal));
        const callIndices = [...state.toolCalls.keys()].sort((a, b) => a - b);
        for (const ci of callIndices) {
          const call = state.toolCalls.get(ci) as StreamToolCall;
          const part = toolCallPart(call.id, call.name, undefined);
          if (call.sawArgs) part.arguments = call.kind === 'custom' ? call.args : parseArguments(call.args);
          parts.push(part);
        }
        if (state.legacyCall) parts.push(toolCallPart(undefined, state.legacyCall.name, state.legacyCall.args));
        if (state.audio && (state.audio.data !== '' || state.audio.transcript !== '')) {
          const part = blobPart('audio', undefined, state.audio.data);
          if (state.audio.transcript !== '') part.transcript = state.audio.transcript;
          parts.push(part);
        }
        if (parts.length === 0 && state.sawContent) parts.push(textPart(''));
        out.push({
          role: state.role ?? 'assistant',
          parts,
          finish_reason: state.finishReason ?? FINISH_REASON_UNKNOWN,
        });
      }
      return out;
    },
  };
}
