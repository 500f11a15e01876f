/**
 * Mistral chat requests and responses in the conventions' content shapes. The SDK takes and returns
 * camelCase objects (`toolCalls`, `imageUrl`, `toolCallId`); it converts to the wire's snake_case itself.
 * Pure functions that never throw on unexpected input: they run inside the instrumentation.
 */
import { FINISH_REASON_UNKNOWN } from '@promptscope/core/provider';

export interface Part {
  type: string;
  [k: string]: unknown;
}
export interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Tool arguments arrive as JSON text or (when the caller built the message) as an object. */
function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args;
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

const urlOf = (v: unknown): unknown => (isObj(v) ? v.url : v);

/** A `data:` URL is inline content (a blob part); anything else is a reference (a uri part). */
function imagePart(url: unknown): Part {
  if (typeof url === 'string' && url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const header = comma < 0 ? '' : url.slice(5, comma);
    if (header.endsWith(';base64')) {
      return { type: 'blob', modality: 'image', mime_type: header.slice(0, -7), content: url.slice(comma + 1) };
    }
  }
  return { type: 'uri', modality: 'image', uri: url };
}

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const chunk of content) {
    if (!isObj(chunk)) continue;
    switch (chunk.type) {
      case 'text':
        parts.push({ type: 'text', content: chunk.text });
        break;
      case 'image_url':
        parts.push(imagePart(urlOf(chunk.imageUrl ?? chunk.image_url)));
        break;
      case 'document_url':
        parts.push({ type: 'uri', modality: 'document', uri: chunk.documentUrl ?? chunk.document_url });
        break;
      case 'input_audio':
        parts.push({ type: 'blob', modality: 'audio', content: chunk.inputAudio ?? chunk.input_audio });
        break;
      case 'file':
        parts.push({ type: 'file', file_id: chunk.fileId ?? chunk.file_id });
        break;
      case 'thinking': {
        const inner = Array.isArray(chunk.thinking) ? chunk.thinking : [];
        const text = inner.map((t) => (isObj(t) ? (str(t.text) ?? '') : '')).join('');
        parts.push({ type: 'reasoning', content: text });
        break;
      }
      default:
        // Keep the chunk's kind, never its payload (references, audio can be large).
        parts.push({ type: 'generic', generic_type: chunk.type });
    }
  }
  return parts;
}

function toolCallParts(toolCalls: unknown): Part[] {
  if (!Array.isArray(toolCalls)) return [];
  const parts: Part[] = [];
  for (const call of toolCalls) {
    if (!isObj(call) || !isObj(call.function)) continue;
    parts.push({
      type: 'tool_call',
      id: str(call.id),
      name: str(call.function.name),
      arguments: parseArguments(call.function.arguments),
    });
  }
  return parts;
}

/** `messages` of a chat request. System messages stay in order: Mistral has no separate system field. */
export function inputMessages(messages: unknown): Message[] {
  if (!Array.isArray(messages)) return [];
  const out: Message[] = [];
  for (const m of messages) {
    if (!isObj(m)) continue;
    const role = str(m.role) ?? 'user';
    if (role === 'tool') {
      out.push({
        role,
        parts: [{ type: 'tool_call_response', id: str(m.toolCallId ?? m.tool_call_id), response: m.content }],
      });
      continue;
    }
    out.push({ role, parts: [...contentParts(m.content), ...toolCallParts(m.toolCalls ?? m.tool_calls)] });
  }
  return out;
}

/** One output message per choice of a `chat.complete` result. */
export function outputMessages(choices: unknown): Message[] {
  if (!Array.isArray(choices)) return [];
  const out: Message[] = [];
  for (const c of choices) {
    if (!isObj(c)) continue;
    const m = isObj(c.message) ? c.message : {};
    out.push({
      role: str(m.role) ?? 'assistant',
      parts: [...contentParts(m.content), ...toolCallParts(m.toolCalls)],
      finish_reason: str(c.finishReason) ?? FINISH_REASON_UNKNOWN,
    });
  }
  return out;
}

/** `tools` as the conventions' tool definitions. */
export function toolDefinitions(tools: unknown): Part[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const out: Part[] = [];
  for (const t of tools) {
    if (!isObj(t) || !isObj(t.function) || typeof t.function.name !== 'string') continue;
    const def: Part = { type: 'function', name: t.function.name };
    if (typeof t.function.description === 'string') def.description = t.function.description;
    if (t.function.parameters !== undefined) def.parameters = t.function.parameters;
    out.push(def);
  }
  return out.length > 0 ? out : undefined;
}

interface ChoiceState {
  text: string;
  calls: { id?: string; name?: string; args: string }[];
  finish?: string;
}

/**
 * Rebuilds the output messages from stream chunks (only used when content capture is on). Mistral sends a
 * tool call whole in one delta; fragments under the same index are joined all the same.
 */
export class StreamContent {
  private readonly choices: ChoiceState[] = [];

  add(choice: Obj): void {
    const index = typeof choice.index === 'number' ? choice.index : 0;
    this.choices[index] ??= { text: '', calls: [] };
    const state = this.choices[index];
    const delta = isObj(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string') state.text += delta.content;
    else if (Array.isArray(delta.content)) {
      for (const p of contentParts(delta.content)) if (p.type === 'text') state.text += str(p.content) ?? '';
    }
    if (Array.isArray(delta.toolCalls)) {
      for (const call of delta.toolCalls) {
        if (!isObj(call) || !isObj(call.function)) continue;
        const i = typeof call.index === 'number' ? call.index : state.calls.length;
        state.calls[i] ??= { args: '' };
        const slot = state.calls[i];
        // The SDK fills a missing id with the string "null".
        if (typeof call.id === 'string' && call.id !== 'null') slot.id = call.id;
        if (typeof call.function.name === 'string' && call.function.name !== '') slot.name = call.function.name;
        const args = call.function.arguments;
        slot.args += typeof args === 'string' ? args : JSON.stringify(args ?? '');
      }
    }
    if (typeof choice.finishReason === 'string') state.finish = choice.finishReason;
  }

  messages(): Message[] {
    return this.choices
      .filter((c) => c !== undefined)
      .map((c) => ({
        role: 'assistant',
        parts: [
          ...(c.text === '' ? [] : [{ type: 'text', content: c.text }]),
          ...c.calls
            .filter((call) => call !== undefined)
            .map((call) => ({ type: 'tool_call', id: call.id, name: call.name, arguments: parseArguments(call.args) })),
        ],
        finish_reason: c.finish ?? FINISH_REASON_UNKNOWN,
      }));
  }
}
