/**
 * Claude's Messages bodies as InvokeModel carries them (`anthropic_version: "bedrock-2023-05-31"`): the
 * request, the message JSON and the SSE event payloads of a streamed invoke. Written here, not imported
 * from the Anthropic package: provider packages do not depend on each other.
 */
import type { Usage } from '@promptscope/core/provider';
import { assistantMessage, isObj, type Message, type Part, str } from './content.js';

type Obj = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Anthropic's `input_tokens` excludes cache reads and writes; the conventions' input includes both. A
 * stream that reported no usage falls back to Bedrock's `amazon-bedrock-invocationMetrics` counts.
 */
export function anthropicUsage(u: unknown, metrics?: unknown): Usage | undefined {
  if (!isObj(u)) {
    if (!isObj(metrics)) return undefined;
    const read = num(metrics.cacheReadInputTokenCount);
    const write = num(metrics.cacheWriteInputTokenCount);
    const input = num(metrics.inputTokenCount);
    return {
      inputTokens: input === undefined ? undefined : input + (read ?? 0) + (write ?? 0),
      outputTokens: num(metrics.outputTokenCount),
      cacheReadTokens: read,
      cacheWriteTokens: write,
    };
  }
  const input = num(u.input_tokens);
  const read = num(u.cache_read_input_tokens);
  const write = num(u.cache_creation_input_tokens);
  return {
    inputTokens: input === undefined ? undefined : input + (read ?? 0) + (write ?? 0),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: read,
    cacheWriteTokens: write,
  };
}

function source(block: Obj, modality: string): Part {
  const src = isObj(block.source) ? block.source : {};
  if (src.type === 'base64') return { type: 'blob', modality, mime_type: str(src.media_type), content: src.data };
  if (src.type === 'url') return { type: 'uri', modality, uri: src.url };
  return { type: 'generic', generic_type: block.type, modality };
}

export function anthropicParts(content: unknown): Part[] {
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
        parts.push({ type: 'generic', generic_type: block.type });
    }
  }
  return parts;
}

export function anthropicMessages(messages: unknown): Message[] {
  if (!Array.isArray(messages)) return [];
  return messages.filter(isObj).map((m) => ({ role: str(m.role) ?? 'user', parts: anthropicParts(m.content) }));
}

export function anthropicSystem(system: unknown): Part[] | undefined {
  if (typeof system === 'string') return system === '' ? undefined : [{ type: 'text', content: system }];
  if (!Array.isArray(system)) return undefined;
  const parts = system
    .filter((b) => isObj(b) && typeof b.text === 'string')
    .map((b) => ({ type: 'text', content: b.text }));
  return parts.length > 0 ? parts : undefined;
}

export function anthropicTools(tools: unknown): Part[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const out: Part[] = [];
  for (const t of tools) {
    if (!isObj(t) || typeof t.name !== 'string') continue;
    const def: Part = { type: t.type === undefined || t.type === 'custom' ? 'function' : String(t.type), name: t.name };
    if (typeof t.description === 'string') def.description = t.description;
    if (t.input_schema !== undefined) def.parameters = t.input_schema;
    out.push(def);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Accumulates a streamed invoke's Anthropic events: ids, usage (message_start, then message_delta; later
 * counts win), the stop reason, and the output message when content is captured.
 */
export class AnthropicEvents {
  id: string | undefined;
  model: string | undefined;
  stopReason: string | undefined;
  private usage: Obj | undefined;
  private metrics: unknown;
  private readonly blocks: Obj[] = [];
  private readonly json: string[] = [];

  constructor(private readonly keepContent: boolean) {}

  /** Returns true when the event carried output (a content block delta). */
  add(event: Obj): boolean {
    if (event['amazon-bedrock-invocationMetrics'] !== undefined)
      this.metrics = event['amazon-bedrock-invocationMetrics'];
    const index = num(event.index) ?? -1;
    switch (event.type) {
      case 'message_start':
        if (isObj(event.message)) {
          this.id = str(event.message.id) ?? this.id;
          this.model = str(event.message.model) ?? this.model;
          this.merge(event.message.usage);
        }
        return false;
      case 'message_delta':
        if (isObj(event.delta)) this.stopReason = str(event.delta.stop_reason) ?? this.stopReason;
        this.merge(event.usage);
        return false;
      case 'content_block_start':
        if (this.keepContent && index >= 0 && isObj(event.content_block)) {
          this.blocks[index] = { ...event.content_block };
          this.json[index] = '';
        }
        return false;
      case 'content_block_delta':
        if (this.keepContent && index >= 0 && isObj(event.delta)) this.delta(index, event.delta);
        return true;
      default:
        return false;
    }
  }

  private delta(index: number, d: Obj): void {
    const block = this.blocks[index];
    if (block === undefined) return;
    if (d.type === 'text_delta') block.text = (str(block.text) ?? '') + (str(d.text) ?? '');
    else if (d.type === 'thinking_delta') block.thinking = (str(block.thinking) ?? '') + (str(d.thinking) ?? '');
    else if (d.type === 'input_json_delta') this.json[index] += str(d.partial_json) ?? '';
  }

  private merge(u: unknown): void {
    if (!isObj(u)) return;
    this.usage ??= {};
    for (const [k, v] of Object.entries(u)) if (typeof v === 'number') this.usage[k] = v;
  }

  tokens(): Usage | undefined {
    return anthropicUsage(this.usage, this.metrics);
  }

  messages(): Message[] {
    const content = this.blocks.map((block, i) => {
      const raw = this.json[i];
      if (block === undefined || !raw) return block;
      try {
        return { ...block, input: JSON.parse(raw) };
      } catch {
        return { ...block, input: raw };
      }
    });
    return assistantMessage(anthropicParts(content.filter(Boolean)), this.stopReason);
  }
}
