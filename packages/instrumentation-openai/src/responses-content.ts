/**
 * Responses API content: `instructions` and `input` of a request, and the output items of a `Response`
 * (messages, reasoning, client and server tool calls), as GenAI system instructions and input and output
 * messages; and the finish reason a response implies. Pure and total (see content-parts.ts).
 */
import { FINISH_REASON_UNKNOWN } from '@promptscope/core/provider';
import {
  blobPart,
  filePart,
  filePartFrom,
  genericPart,
  HEAVY,
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

function responsesContentPart(p: unknown): Part | undefined {
  if (typeof p === 'string') return textPart(p);
  if (!isObj(p)) return undefined;
  const type = str(p.type);
  switch (type) {
    case 'input_text':
    case 'output_text':
    case 'text':
    case 'summary_text':
    case 'reasoning_text':
      return textPartOf(p.text);
    case 'refusal':
      return textPartOf(p.refusal);
    case 'input_image': {
      const url = str(p.image_url);
      if (url !== undefined) return urlPart(url, 'image');
      const fileId = str(p.file_id);
      return fileId ? filePart(fileId, 'image') : undefined;
    }
    case 'input_file':
      return filePartFrom(p);
    case 'input_audio':
      return inputAudioPart(p.input_audio);
    case undefined:
      return undefined;
    default:
      return genericPart(p, type);
  }
}

function pushResponsesContent(parts: Part[], content: unknown): void {
  pushContentParts(parts, content, responsesContentPart, true);
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
