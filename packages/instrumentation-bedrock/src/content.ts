/**
 * Bedrock requests and responses in the conventions' content shapes: Converse (and Nova, which uses the
 * same content blocks) and the Anthropic Messages bodies of InvokeModel. Pure functions that never throw
 * on unexpected input: they run inside the instrumentation.
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
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Image and document bytes as base64, the conventions' blob content (the SDK takes Uint8Array bytes). */
function blob(value: Obj, modality: string): Part {
  const format = str(value.format);
  const source = isObj(value.source) ? value.source : {};
  const bytes = source.bytes;
  if (bytes instanceof Uint8Array) {
    return {
      type: 'blob',
      modality,
      mime_type: format === undefined ? undefined : `${modality === 'image' ? 'image' : 'application'}/${format}`,
      content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    };
  }
  if (typeof bytes === 'string') return { type: 'blob', modality, content: bytes };
  if (isObj(source.s3Location) && typeof source.s3Location.uri === 'string') {
    return { type: 'uri', modality, uri: source.s3Location.uri };
  }
  return { type: 'generic', generic_type: modality, modality };
}

/** Converse / Nova content blocks (`{text}`, `{image}`, `{toolUse}`, …: one key each). */
export function converseParts(content: unknown): Part[] {
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const block of content) {
    if (!isObj(block)) continue;
    if (typeof block.text === 'string') parts.push({ type: 'text', content: block.text });
    else if (isObj(block.image)) parts.push(blob(block.image, 'image'));
    else if (isObj(block.document)) parts.push(blob(block.document, 'document'));
    else if (isObj(block.video)) parts.push(blob(block.video, 'video'));
    else if (isObj(block.toolUse)) {
      const t = block.toolUse;
      parts.push({ type: 'tool_call', id: t.toolUseId, name: t.name, arguments: t.input });
    } else if (isObj(block.toolResult)) {
      const r = block.toolResult;
      parts.push({ type: 'tool_call_response', id: r.toolUseId, response: r.content });
    } else if (isObj(block.reasoningContent)) {
      const text = isObj(block.reasoningContent.reasoningText) ? block.reasoningContent.reasoningText.text : undefined;
      parts.push(typeof text === 'string' ? { type: 'reasoning', content: text } : { type: 'reasoning' });
    } else if (block.cachePoint !== undefined) {
      // A cache marker carries no content.
    } else {
      // Keep the block's kind, never its payload (guard content, citations can be large).
      parts.push({ type: 'generic', generic_type: Object.keys(block)[0] ?? 'unknown' });
    }
  }
  return parts;
}

export function converseMessages(messages: unknown): Message[] {
  if (!Array.isArray(messages)) return [];
  return messages.filter(isObj).map((m) => ({ role: str(m.role) ?? 'user', parts: converseParts(m.content) }));
}

/** Converse `system` (text blocks; cache points and guard content left out). */
export function converseSystem(system: unknown): Part[] | undefined {
  if (!Array.isArray(system)) return undefined;
  const parts = converseParts(system.filter((b) => isObj(b) && typeof b.text === 'string'));
  return parts.length > 0 ? parts : undefined;
}

/** Converse `toolConfig.tools[].toolSpec` as the conventions' tool definitions. */
export function converseTools(toolConfig: unknown): Part[] | undefined {
  if (!isObj(toolConfig) || !Array.isArray(toolConfig.tools)) return undefined;
  const out: Part[] = [];
  for (const tool of toolConfig.tools) {
    const spec = isObj(tool) && isObj(tool.toolSpec) ? tool.toolSpec : undefined;
    if (spec === undefined || typeof spec.name !== 'string') continue;
    const def: Part = { type: 'function', name: spec.name };
    if (typeof spec.description === 'string') def.description = spec.description;
    if (isObj(spec.inputSchema) && spec.inputSchema.json !== undefined) def.parameters = spec.inputSchema.json;
    out.push(def);
  }
  return out.length > 0 ? out : undefined;
}

export function assistantMessage(parts: Part[], finishReason: string | undefined): Message[] {
  return [{ role: 'assistant', parts, finish_reason: finishReason ?? FINISH_REASON_UNKNOWN }];
}

/** Rebuilds a Converse (or Nova) streamed message from its content block events. */
export class ConverseStreamContent {
  private readonly blocks: Obj[] = [];
  private readonly toolInput: string[] = [];

  start(index: number, start: unknown): void {
    if (isObj(start) && isObj(start.toolUse)) {
      this.blocks[index] = { toolUse: { ...start.toolUse } };
      this.toolInput[index] = '';
    }
  }

  delta(index: number, delta: unknown): void {
    if (!isObj(delta)) return;
    if (typeof delta.text === 'string') {
      const block = (this.blocks[index] ??= { text: '' });
      block.text = (str(block.text) ?? '') + delta.text;
    } else if (isObj(delta.toolUse) && typeof delta.toolUse.input === 'string') {
      this.toolInput[index] = (this.toolInput[index] ?? '') + delta.toolUse.input;
    } else if (isObj(delta.reasoningContent) && typeof delta.reasoningContent.text === 'string') {
      const block = (this.blocks[index] ??= { reasoningContent: { reasoningText: { text: '' } } });
      const r =
        isObj(block.reasoningContent) && isObj(block.reasoningContent.reasoningText)
          ? block.reasoningContent.reasoningText
          : undefined;
      if (r !== undefined) r.text = (str(r.text) ?? '') + delta.reasoningContent.text;
    }
  }

  messages(finishReason: string | undefined): Message[] {
    const content = this.blocks.map((block, i) => {
      const raw = this.toolInput[i];
      if (block === undefined || !isObj(block.toolUse) || raw === undefined) return block;
      let input: unknown = raw;
      try {
        input = JSON.parse(raw);
      } catch {
        // Keep the text the model wrote.
      }
      return { toolUse: { ...block.toolUse, input } };
    });
    return assistantMessage(converseParts(content.filter(Boolean)), finishReason);
  }
}
