/**
 * Pure mappings from `openai` SDK request/response objects to the OpenTelemetry GenAI content shapes
 * (`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`, `gen_ai.tool.definitions`).
 *
 * These run inside instrumentation: they never throw, never mutate their inputs, skip anything they do not
 * understand, and keep values as they are (size limits are applied later by core's serializer).
 */
import { FINISH_REASON_UNKNOWN } from '@promptscope/core/provider';

export interface Part {
  type: string;
  [k: string]: unknown;
}

export interface InputMessage {
  role: string;
  parts: Part[];
  name?: string;
}

export interface OutputMessage {
  role: string;
  parts: Part[];
  finish_reason?: string;
  name?: string;
}

export interface ChatStreamAccumulator {
  add(chunk: unknown): void;
  messages(): OutputMessage[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Tool-call arguments: the parsed JSON object/array when the string parses to one, else the value unchanged. */
function parseArguments(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const first = v.trimStart().charAt(0);
  if (first !== '{' && first !== '[') return v;
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === 'object' && parsed !== null ? parsed : v;
  } catch {
    return v;
  }
}

function textPart(content: string): Part {
  return { type: 'text', content };
}

function toolCallPart(id: unknown, name: unknown, args: unknown): Part {
  const part: Part = { type: 'tool_call' };
  if (typeof id === 'string') part.id = id;
  part.name = typeof name === 'string' ? name : '';
  if (args !== undefined && args !== null) part.arguments = parseArguments(args);
  return part;
}

function toolCallResponsePart(id: unknown, response: unknown): Part {
  const part: Part = { type: 'tool_call_response' };
  if (typeof id === 'string') part.id = id;
  part.response = response;
  return part;
}

function modalityOf(mime: string | undefined, fallback: string): string {
  if (mime === undefined) return fallback;
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return fallback;
}

/** `data:<mime>[;params];base64,<payload>` -> mime + base64 payload (not decoded). */
function parseDataUrl(url: string): { mime?: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  if (!meta.endsWith(';base64')) return undefined;
  const semi = meta.indexOf(';');
  const mime = semi < 0 ? meta : meta.slice(0, semi);
  return mime ? { mime, data: url.slice(comma + 1) } : { data: url.slice(comma + 1) };
}

function blobPart(modality: string, mime: string | undefined, content: string): Part {
  const part: Part = { type: 'blob', modality };
  if (mime !== undefined) part.mime_type = mime;
  part.content = content;
  return part;
}

/** An image/file reference given as URL: a data: URL becomes a blob, anything else a uri part. */
function urlPart(url: string, modality: string): Part {
  const data = parseDataUrl(url);
  if (data) return blobPart(modalityOf(data.mime, modality), data.mime, data.data);
  return { type: 'uri', modality, uri: url };
}

function filePart(fileId: string, modality: string): Part {
  return { type: 'file', modality, file_id: fileId };
}

const AUDIO_MIME: Record<string, string> = { mp3: 'audio/mpeg', wav: 'audio/wav', pcm16: 'audio/pcm' };

function audioMime(format: unknown): string | undefined {
  if (typeof format !== 'string' || format === '') return undefined;
  return AUDIO_MIME[format] ?? `audio/${format}`;
}

/** Fields never copied into generic parts: opaque or binary payloads that would only bloat the attribute. */
const HEAVY = new Set([
  'encrypted_content',
  'result',
  'data',
  'file_data',
  'image_url',
  'b64_json',
  'partial_image_b64',
]);

/** `{type, ...}` copy of an unrecognised item, minus heavy payload fields. */
function genericPart(item: Obj, type: string): Part {
  const part: Part = { type };
  for (const key of Object.keys(item)) {
    if (key === 'type' || HEAVY.has(key)) continue;
    const value = item[key];
    if (value !== undefined) part[key] = value;
  }
  return part;
}

/** A file reference (`file_id`, `file_data`, `file_url`) as used by chat `file` parts and Responses `input_file`. */
function filePartFrom(file: Obj): Part | undefined {
  const fileId = str(file.file_id);
  if (fileId) return filePart(fileId, 'document');
  const fileData = str(file.file_data);
  if (fileData !== undefined) {
    const data = parseDataUrl(fileData);
    if (data) return blobPart(modalityOf(data.mime, 'document'), data.mime, data.data);
    return blobPart('document', undefined, fileData);
  }
  const fileUrl = str(file.file_url);
  if (fileUrl !== undefined) return urlPart(fileUrl, 'document');
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Chat Completions
// ---------------------------------------------------------------------------------------------------------------

function chatContentPart(p: unknown): Part | undefined {
  if (typeof p === 'string') return textPart(p);
  if (!isObj(p)) return undefined;
  const type = str(p.type);
  switch (type) {
    case 'text': {
      const text = str(p.text);
      return text === undefined ? undefined : textPart(text);
    }
    case 'refusal': {
      const refusal = str(p.refusal);
      return refusal === undefined ? undefined : textPart(refusal);
    }
    case 'image_url': {
      const img = p.image_url;
      const url = isObj(img) ? str(img.url) : str(img);
      return url === undefined ? undefined : urlPart(url, 'image');
    }
    case 'input_audio': {
      const audio = p.input_audio;
      if (!isObj(audio) || typeof audio.data !== 'string') return undefined;
      return blobPart('audio', audioMime(audio.format), audio.data);
    }
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
  if (typeof content === 'string') {
    if (content !== '') parts.push(textPart(content));
    return;
  }
  if (!Array.isArray(content)) return;
  for (const p of content) {
    const part = chatContentPart(p);
    if (part) parts.push(part);
  }
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

// ---------------------------------------------------------------------------------------------------------------
// Responses API
// ---------------------------------------------------------------------------------------------------------------

function responsesContentPart(p: unknown): Part | undefined {
  if (typeof p === 'string') return textPart(p);
  if (!isObj(p)) return undefined;
  const type = str(p.type);
  switch (type) {
    case 'input_text':
    case 'output_text':
    case 'text':
    case 'summary_text':
    case 'reasoning_text': {
      const text = str(p.text);
      return text === undefined ? undefined : textPart(text);
    }
    case 'refusal': {
      const refusal = str(p.refusal);
      return refusal === undefined ? undefined : textPart(refusal);
    }
    case 'input_image': {
      const url = str(p.image_url);
      if (url !== undefined) return urlPart(url, 'image');
      const fileId = str(p.file_id);
      return fileId ? filePart(fileId, 'image') : undefined;
    }
    case 'input_file':
      return filePartFrom(p);
    case 'input_audio': {
      const audio = p.input_audio;
      if (!isObj(audio) || typeof audio.data !== 'string') return undefined;
      return blobPart('audio', audioMime(audio.format), audio.data);
    }
    case undefined:
      return undefined;
    default:
      return genericPart(p, type);
  }
}

function pushResponsesContent(parts: Part[], content: unknown): void {
  if (typeof content === 'string') {
    parts.push(textPart(content));
    return;
  }
  if (!Array.isArray(content)) return;
  for (const p of content) {
    const part = responsesContentPart(p);
    if (part) parts.push(part);
  }
}

/** Reasoning items: one reasoning part per summary (or raw reasoning) text. */
function pushReasoning(parts: Part[], item: Obj): void {
  for (const list of [item.summary, item.content]) {
    if (!Array.isArray(list)) continue;
    for (const s of list) {
      const text = isObj(s) ? str(s.text) : str(s);
      if (text !== undefined && text !== '') parts.push({ type: 'reasoning', content: text });
    }
  }
}

/** Tools executed by the caller: the model asks for them, the application runs them. */
const CLIENT_TOOL_NAMES: Record<string, string> = {
  function_call: 'function',
  custom_tool_call: 'custom',
  computer_call: 'computer_use_preview',
  local_shell_call: 'local_shell',
  shell_call: 'shell',
  apply_patch_call: 'apply_patch',
};

const CLIENT_TOOL_OUTPUTS = new Set([
  'function_call_output',
  'custom_tool_call_output',
  'computer_call_output',
  'local_shell_call_output',
  'shell_call_output',
  'apply_patch_call_output',
]);

function clientToolCallPart(item: Obj, type: string): Part {
  const id = str(item.call_id) ?? str(item.id);
  const name = str(item.name) ?? CLIENT_TOOL_NAMES[type];
  const part = toolCallPart(id, name, undefined);
  if (type === 'function_call') {
    if (item.arguments !== undefined && item.arguments !== null) part.arguments = parseArguments(item.arguments);
  } else {
    const args = item.input ?? item.action ?? item.operation ?? item.arguments;
    if (args !== undefined && args !== null) part.arguments = type === 'custom_tool_call' ? args : parseArguments(args);
  }
  return part;
}

/** Fields of a server tool item that describe its result rather than the call. */
const SERVER_RESULT_KEYS = new Set(['results', 'outputs', 'output', 'error', 'tools']);
const SERVER_SKIP_KEYS = new Set(['type', 'id', 'status', 'call_id', 'approval_request_id']);

/** Server-side tool items (`web_search_call`, `mcp_call`, ...) -> server_tool_call (+ response / image blob) parts. */
function pushServerToolParts(parts: Part[], item: Obj, type: string): void {
  const toolType = type.endsWith('_call') ? type.slice(0, -5) : type;
  const id = str(item.id);
  const call: Obj = { type: toolType };
  const response: Obj = { type: toolType };
  let hasResponse = false;
  for (const key of Object.keys(item)) {
    if (SERVER_SKIP_KEYS.has(key) || HEAVY.has(key)) continue;
    const value = item[key];
    if (value === undefined) continue;
    if (SERVER_RESULT_KEYS.has(key)) {
      if (value === null) continue;
      response[key] = value;
      hasResponse = true;
    } else {
      call[key] = key === 'arguments' ? parseArguments(value) : value;
    }
  }
  const part: Part = { type: 'server_tool_call' };
  if (id) part.id = id;
  part.name =
    (type === 'mcp_call' || type === 'mcp_approval_request') && typeof item.name === 'string' ? item.name : toolType;
  part.server_tool_call = call;
  parts.push(part);
  if (hasResponse) {
    const resp: Part = { type: 'server_tool_call_response' };
    if (id) resp.id = id;
    resp.server_tool_call_response = response;
    parts.push(resp);
  }
  // Generated images are the model's output: keep them as a blob part.
  if (type === 'image_generation_call' && typeof item.result === 'string' && item.result !== '') {
    parts.push(blobPart('image', undefined, item.result));
  }
}

function isServerToolItem(type: string): boolean {
  return type.endsWith('_call') || type === 'mcp_list_tools' || type === 'mcp_approval_request';
}

/** Appends the parts of an assistant-side item (anything but messages and tool outputs). */
function assistantItemParts(item: Obj, type: string, parts: Part[]): void {
  if (type === 'reasoning') pushReasoning(parts, item);
  else if (CLIENT_TOOL_NAMES[type] !== undefined) parts.push(clientToolCallPart(item, type));
  else if (isServerToolItem(type)) pushServerToolParts(parts, item, type);
  else if (type === 'compaction')
    parts.push(typeof item.id === 'string' ? { type: 'compaction', id: item.id } : { type: 'compaction' });
  else parts.push(genericPart(item, type));
}

function systemParts(instructions: unknown): Part[] | undefined {
  if (typeof instructions === 'string') return instructions === '' ? undefined : [textPart(instructions)];
  if (!Array.isArray(instructions)) return undefined;
  // Prompt templates can expand `instructions` into a list of input items: keep their text.
  const parts: Part[] = [];
  for (const item of instructions) {
    if (typeof item === 'string') parts.push(textPart(item));
    else if (isObj(item)) pushResponsesContent(parts, item.content);
  }
  return parts.length > 0 ? parts : undefined;
}

/** Responses API request body -> system instructions (from `instructions`) and input messages (from `input`). */
export function responsesInput(body: unknown): { system?: Part[]; input: InputMessage[] } {
  const result: { system?: Part[]; input: InputMessage[] } = { input: [] };
  if (!isObj(body)) return result;
  const system = systemParts(body.instructions);
  if (system) result.system = system;
  const input = body.input;
  if (typeof input === 'string') {
    result.input.push({ role: 'user', parts: [textPart(input)] });
    return result;
  }
  if (!Array.isArray(input)) return result;

  const out = result.input;
  // Consecutive assistant-side items (reasoning, message, function calls) form one assistant turn, as in the output.
  let assistant: InputMessage | undefined;
  for (const item of input) {
    if (!isObj(item)) continue;
    const type = str(item.type);
    const role = str(item.role);
    if ((type === undefined || type === 'message') && role) {
      const parts: Part[] = [];
      pushResponsesContent(parts, item.content);
      if (role === 'assistant' && assistant) {
        for (const p of parts) assistant.parts.push(p);
        continue;
      }
      const msg: InputMessage = { role, parts };
      out.push(msg);
      assistant = role === 'assistant' ? msg : undefined;
      continue;
    }
    if (type === undefined) continue;
    if (CLIENT_TOOL_OUTPUTS.has(type)) {
      out.push({ role: 'tool', parts: [toolCallResponsePart(item.call_id, item.output)] });
      assistant = undefined;
      continue;
    }
    if (type === 'mcp_approval_response') {
      const response: Obj = { approve: item.approve };
      if (item.reason !== undefined && item.reason !== null) response.reason = item.reason;
      out.push({ role: 'tool', parts: [toolCallResponsePart(item.approval_request_id, response)] });
      assistant = undefined;
      continue;
    }
    if (type === 'item_reference') {
      out.push({ role: role ?? 'user', parts: [genericPart(item, type)] });
      assistant = undefined;
      continue;
    }
    if (!assistant) {
      assistant = { role: 'assistant', parts: [] };
      out.push(assistant);
    }
    assistantItemParts(item, type, assistant.parts);
  }
  return result;
}

/** The single finish reason of a Responses API result, for the span and the output message alike. */
export function responsesFinishReason(response: unknown): string {
  if (!isObj(response)) return FINISH_REASON_UNKNOWN;
  const output = Array.isArray(response.output) ? response.output : [];
  const hasClientToolCall = output.some((item) => isObj(item) && CLIENT_TOOL_NAMES[str(item.type) ?? ''] !== undefined);
  return finishReason(response, hasClientToolCall);
}

/** Client-executed tool calls end the turn waiting for the application: finish reason `tool_call`. */
function finishReason(response: Obj, hasClientToolCall: boolean): string {
  const status = response.status;
  if (status === 'incomplete') {
    const details = response.incomplete_details;
    const reason = isObj(details) ? str(details.reason) : undefined;
    if (!reason || reason === 'max_output_tokens') return 'length';
    return reason;
  }
  if (status === 'completed') return hasClientToolCall ? 'tool_call' : 'stop';
  return FINISH_REASON_UNKNOWN;
}

/** `Response.output` -> a single assistant message (the Responses API has one output), with a finish reason. */
export function responsesOutput(response: unknown): OutputMessage[] {
  if (!isObj(response)) return [];
  const output = response.output;
  if (!Array.isArray(output) && typeof response.status !== 'string') return [];
  const parts: Part[] = [];
  let hasClientToolCall = false;
  if (Array.isArray(output)) {
    for (const item of output) {
      if (!isObj(item)) continue;
      const type = str(item.type);
      if (type === undefined) continue;
      if (type === 'message') {
        pushResponsesContent(parts, item.content);
        continue;
      }
      if (CLIENT_TOOL_NAMES[type] !== undefined) hasClientToolCall = true;
      assistantItemParts(item, type, parts);
    }
  }
  return [{ role: 'assistant', parts, finish_reason: finishReason(response, hasClientToolCall) }];
}

// ---------------------------------------------------------------------------------------------------------------
// Tool definitions
// ---------------------------------------------------------------------------------------------------------------

function definition(type: string, name: string, description: unknown, parameters: unknown): Part {
  const part: Part = { type, name };
  if (typeof description === 'string') part.description = description;
  if (parameters !== undefined && parameters !== null) part.parameters = parameters;
  return part;
}

/**
 * Chat tools (`{type:'function', function:{...}}`), Responses tools (`{type:'function', name, ...}`), custom tools,
 * and built-in tools (`{type:'web_search'}` -> `{type, name: type}`). Undefined when there is nothing to record.
 */
export function toolDefinitions(tools: unknown): Part[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const out: Part[] = [];
  for (const tool of tools) {
    if (!isObj(tool)) continue;
    const type = str(tool.type);
    if (!type) continue;
    const nested = isObj(tool.function) ? tool.function : isObj(tool.custom) ? tool.custom : undefined;
    if (nested) {
      const name = str(nested.name);
      if (name) out.push(definition(type, name, nested.description, nested.parameters));
      continue;
    }
    const name = str(tool.name);
    if (name) {
      out.push(definition(type, name, tool.description, tool.parameters));
      continue;
    }
    if (type === 'function' || type === 'custom') continue; // a named tool without its name
    const part: Part = { type, name: type };
    if (type === 'mcp' && typeof tool.server_label === 'string') part.server_label = tool.server_label;
    out.push(part);
  }
  return out.length > 0 ? out : undefined;
}
