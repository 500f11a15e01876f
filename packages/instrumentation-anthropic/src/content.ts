/**
 * Anthropic Messages requests and responses in the conventions' content shapes. Pure functions that never
 * throw on unexpected input: they run inside the instrumentation.
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

/** Top-level `system` (a string or text blocks) as system-instruction parts. */
export function systemInstructions(system: unknown): Part[] | undefined {
  if (typeof system === 'string') return system === '' ? undefined : [{ type: 'text', content: system }];
  if (!Array.isArray(system)) return undefined;
  const parts: Part[] = [];
  for (const block of system) {
    if (isObj(block) && typeof block.text === 'string') parts.push({ type: 'text', content: block.text });
  }
  return parts.length > 0 ? parts : undefined;
}

export function inputMessages(messages: unknown): Message[] {
  if (!Array.isArray(messages)) return [];
  const out: Message[] = [];
  for (const m of messages) {
    if (!isObj(m)) continue;
    out.push({ role: str(m.role) ?? 'user', parts: blocksToParts(m.content) });
  }
  return out;
}

/** The response's content blocks as one assistant message. */
export function outputMessages(message: unknown): Message[] {
  if (!isObj(message)) return [];
  return [
    {
      role: str(message.role) ?? 'assistant',
      parts: blocksToParts(message.content),
      finish_reason: str(message.stop_reason) ?? FINISH_REASON_UNKNOWN,
    },
  ];
}

function source(block: Obj, modality: string): Part {
  const src = isObj(block.source) ? block.source : {};
  switch (src.type) {
    case 'base64':
      return { type: 'blob', modality, mime_type: str(src.media_type), content: src.data };
    case 'url':
      return { type: 'uri', modality, uri: src.url };
    case 'file':
      return { type: 'file', modality, file_id: src.file_id };
    case 'text':
      return { type: 'text', content: src.data };
    default:
      return { type: 'generic', generic_type: block.type, modality };
  }
}

function blocksToParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const block of content) {
    if (!isObj(block)) continue;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', content: block.text });
        break;
      case 'image':
        parts.push(source(block, 'image'));
        break;
      case 'document':
        parts.push(source(block, 'document'));
        break;
      case 'tool_use':
        parts.push({ type: 'tool_call', id: block.id, name: block.name, arguments: block.input });
        break;
      case 'server_tool_use':
        parts.push({
          type: 'server_tool_call',
          id: block.id,
          name: block.name,
          server_tool_call: { type: block.name, input: block.input },
        });
        break;
      case 'tool_result':
        parts.push({ type: 'tool_call_response', id: block.tool_use_id, response: block.content });
        break;
      case 'thinking':
        parts.push({ type: 'reasoning', content: block.thinking });
        break;
      case 'redacted_thinking':
        parts.push({ type: 'reasoning' });
        break;
      default:
        // Keep the block's kind, never its payload (search results, encrypted content can be large).
        parts.push({ type: 'generic', generic_type: block.type });
    }
  }
  return parts;
}

/** `tools` as the conventions' tool definitions. */
export function toolDefinitions(tools: unknown): Part[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const out: Part[] = [];
  for (const t of tools) {
    if (!isObj(t) || typeof t.name !== 'string') continue;
    if (t.type === undefined || t.type === 'custom') {
      const def: Part = { type: 'function', name: t.name };
      if (typeof t.description === 'string') def.description = t.description;
      if (t.input_schema !== undefined) def.parameters = t.input_schema;
      out.push(def);
    } else {
      out.push({ type: String(t.type), name: t.name });
    }
  }
  return out.length > 0 ? out : undefined;
}

/** Rebuilds the output message from stream events (only used when content capture is on). */
export class StreamContent {
  private readonly blocks: Obj[] = [];
  private readonly json: string[] = [];
  private stopReason: string | undefined;

  add(event: Obj): void {
    const index = typeof event.index === 'number' ? event.index : -1;
    if (event.type === 'content_block_start' && index >= 0 && isObj(event.content_block)) {
      this.blocks[index] = { ...event.content_block };
      this.json[index] = '';
    } else if (event.type === 'content_block_delta' && index >= 0 && isObj(event.delta)) {
      const block = this.blocks[index];
      if (block === undefined) return;
      const d = event.delta;
      if (d.type === 'text_delta') block.text = (str(block.text) ?? '') + (str(d.text) ?? '');
      else if (d.type === 'thinking_delta') block.thinking = (str(block.thinking) ?? '') + (str(d.thinking) ?? '');
      else if (d.type === 'input_json_delta') this.json[index] += str(d.partial_json) ?? '';
    } else if (event.type === 'message_delta' && isObj(event.delta)) {
      this.stopReason = str(event.delta.stop_reason) ?? this.stopReason;
    }
  }

  messages(): Message[] {
    const content = this.blocks.map((block, i) => {
      if (block === undefined) return undefined;
      const raw = this.json[i];
      if (raw) {
        try {
          return { ...block, input: JSON.parse(raw) };
        } catch {
          return { ...block, input: raw };
        }
      }
      return block;
    });
    return outputMessages({ role: 'assistant', content: content.filter(Boolean), stop_reason: this.stopReason });
  }
}
