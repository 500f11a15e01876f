/**
 * Gemini `contents`, `systemInstruction`, `tools` and candidates in the conventions' content shapes (the
 * same message and part shapes the other promptscope packages record). Pure functions that never throw on
 * unexpected input: they run inside the instrumentation.
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

/** Gemini says `model` for the assistant's turns; the conventions say `assistant`. */
const roleOf = (role: unknown): string => (role === 'model' ? 'assistant' : (str(role) ?? 'user'));

function modalityOf(mime: string | undefined): string {
  const kind = mime?.split('/')[0];
  return kind === 'image' || kind === 'audio' || kind === 'video' ? kind : 'document';
}

function partOf(p: unknown): Part | undefined {
  if (typeof p === 'string') return { type: 'text', content: p };
  if (!isObj(p)) return undefined;
  if (typeof p.text === 'string')
    return p.thought === true ? { type: 'reasoning', content: p.text } : { type: 'text', content: p.text };
  if (isObj(p.inlineData)) {
    const mime = str(p.inlineData.mimeType);
    return { type: 'blob', modality: modalityOf(mime), mime_type: mime, content: p.inlineData.data };
  }
  if (isObj(p.fileData)) {
    const mime = str(p.fileData.mimeType);
    return { type: 'uri', modality: modalityOf(mime), mime_type: mime, uri: p.fileData.fileUri };
  }
  if (isObj(p.functionCall)) {
    const c = p.functionCall;
    return { type: 'tool_call', id: str(c.id), name: str(c.name), arguments: c.args };
  }
  if (isObj(p.functionResponse)) {
    const r = p.functionResponse;
    return { type: 'tool_call_response', id: str(r.id), name: str(r.name), response: r.response };
  }
  // executableCode, codeExecutionResult, thoughtSignature-only parts, ...: their kind, never their payload.
  const kind = Object.keys(p).find((k) => k !== 'thought' && k !== 'thoughtSignature');
  return kind === undefined ? undefined : { type: 'generic', generic_type: kind };
}

function partsOf(parts: unknown): Part[] {
  const list = Array.isArray(parts) ? parts : [parts];
  const out: Part[] = [];
  for (const p of list) {
    const part = partOf(p);
    if (part !== undefined) out.push(part);
  }
  return out;
}

const isContent = (v: unknown): v is Obj => isObj(v) && (Array.isArray(v.parts) || typeof v.role === 'string');

/**
 * The SDK takes `contents` as a string, a part, a list of parts (one user turn), a Content or a list of
 * Contents (the conversation).
 */
export function inputMessages(contents: unknown): Message[] {
  if (contents === undefined || contents === null) return [];
  if (Array.isArray(contents) && contents.some(isContent)) {
    return contents.filter(isContent).map((c) => ({ role: roleOf(c.role), parts: partsOf(c.parts ?? []) }));
  }
  if (isContent(contents)) return [{ role: roleOf(contents.role), parts: partsOf(contents.parts ?? []) }];
  return [{ role: 'user', parts: partsOf(contents) }];
}

/** `config.systemInstruction`: a string, a part, parts or a Content. */
export function systemInstructions(system: unknown): Part[] | undefined {
  if (system === undefined || system === null || system === '') return undefined;
  const parts = isContent(system) ? partsOf(system.parts ?? []) : partsOf(system);
  return parts.length > 0 ? parts : undefined;
}

/** `config.tools`: function declarations as function tools, built-in tools (googleSearch, ...) by name. */
export function toolDefinitions(tools: unknown): Part[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const out: Part[] = [];
  for (const tool of tools) {
    // A CallableTool (an MCP client, ...) is an object with methods, not data: nothing to record.
    if (!isObj(tool) || typeof (tool as { tool?: unknown }).tool === 'function') continue;
    for (const [key, value] of Object.entries(tool)) {
      if (key === 'functionDeclarations' && Array.isArray(value)) {
        for (const fn of value) {
          if (!isObj(fn) || typeof fn.name !== 'string') continue;
          const def: Part = { type: 'function', name: fn.name };
          if (typeof fn.description === 'string') def.description = fn.description;
          const parameters = fn.parametersJsonSchema ?? fn.parameters;
          if (parameters !== undefined) def.parameters = parameters;
          out.push(def);
        }
      } else if (value !== undefined) {
        out.push({ type: key, name: key });
      }
    }
  }
  return out.length > 0 ? out : undefined;
}

/** The response's candidates, one assistant message each. */
export function outputMessages(response: unknown): Message[] {
  if (!isObj(response) || !Array.isArray(response.candidates)) return [];
  return response.candidates.filter(isObj).map((c) => ({
    role: 'assistant',
    parts: partsOf(isObj(c.content) ? (c.content.parts ?? []) : []),
    finish_reason: str(c.finishReason) ?? FINISH_REASON_UNKNOWN,
  }));
}

/** Rebuilds the candidates from stream chunks (only when content capture is on): text pieces joined. */
export class StreamContent {
  private readonly candidates: { parts: Obj[]; finishReason?: string }[] = [];

  add(chunk: Obj): void {
    if (!Array.isArray(chunk.candidates)) return;
    chunk.candidates.forEach((c: unknown, i: number) => {
      if (!isObj(c)) return;
      const index = typeof c.index === 'number' ? c.index : i;
      this.candidates[index] ??= { parts: [] };
      const acc = this.candidates[index];
      if (typeof c.finishReason === 'string') acc.finishReason = c.finishReason;
      const parts = isObj(c.content) && Array.isArray(c.content.parts) ? c.content.parts : [];
      for (const p of parts) {
        if (!isObj(p)) continue;
        const last = acc.parts[acc.parts.length - 1];
        if (
          typeof p.text === 'string' &&
          last !== undefined &&
          typeof last.text === 'string' &&
          last.thought === p.thought
        ) {
          last.text += p.text;
        } else {
          acc.parts.push({ ...p });
        }
      }
    });
  }

  messages(): Message[] {
    return outputMessages({
      candidates: this.candidates.map((c) => ({ content: { parts: c.parts }, finishReason: c.finishReason })),
    });
  }
}
