/**
 * The GenAI content shapes (parts, input and output messages) and the small mappings every `openai` API shares:
 * text, tool calls and their results, blobs, files and URIs, unknown items kept minus their heavy payloads, and
 * tool definitions. The per-API mappings are in chat-content.ts and responses-content.ts.
 *
 * These run inside instrumentation: they never throw, never mutate their inputs, skip anything they do not
 * understand, and keep values as they are (size limits are applied later by core's serializer).
 */
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

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Tool-call arguments: the parsed JSON object/array when the string parses to one, else the value unchanged. */
export function parseArguments(v: unknown): unknown {
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

export function textPart(content: string): Part {
  return { type: 'text', content };
}

/** A text part for a string field (`text`, `refusal`); nothing for anything else. */
export function textPartOf(v: unknown): Part | undefined {
  return typeof v === 'string' ? textPart(v) : undefined;
}

/** Appends the parts of message `content`: a string, or an array of parts mapped by `partOf`. */
export function pushContentParts(
  parts: Part[],
  content: unknown,
  partOf: (p: unknown) => Part | undefined,
  keepEmptyString: boolean,
): void {
  if (typeof content === 'string') {
    if (keepEmptyString || content !== '') parts.push(textPart(content));
    return;
  }
  if (!Array.isArray(content)) return;
  for (const p of content) {
    const part = partOf(p);
    if (part) parts.push(part);
  }
}

export function toolCallPart(id: unknown, name: unknown, args: unknown): Part {
  const part: Part = { type: 'tool_call' };
  if (typeof id === 'string') part.id = id;
  part.name = typeof name === 'string' ? name : '';
  if (args !== undefined && args !== null) part.arguments = parseArguments(args);
  return part;
}

export function toolCallResponsePart(id: unknown, response: unknown): Part {
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

export function blobPart(modality: string, mime: string | undefined, content: string): Part {
  const part: Part = { type: 'blob', modality };
  if (mime !== undefined) part.mime_type = mime;
  part.content = content;
  return part;
}

/** An image/file reference given as URL: a data: URL becomes a blob, anything else a uri part. */
export function urlPart(url: string, modality: string): Part {
  const data = parseDataUrl(url);
  if (data) return blobPart(modalityOf(data.mime, modality), data.mime, data.data);
  return { type: 'uri', modality, uri: url };
}

export function filePart(fileId: string, modality: string): Part {
  return { type: 'file', modality, file_id: fileId };
}

const AUDIO_MIME: Record<string, string> = { mp3: 'audio/mpeg', wav: 'audio/wav', pcm16: 'audio/pcm' };

export function audioMime(format: unknown): string | undefined {
  if (typeof format !== 'string' || format === '') return undefined;
  return AUDIO_MIME[format] ?? `audio/${format}`;
}

/** An `input_audio` content part's `{ data, format }` as a blob part. */
export function inputAudioPart(audio: unknown): Part | undefined {
  if (!isObj(audio) || typeof audio.data !== 'string') return undefined;
  return blobPart('audio', audioMime(audio.format), audio.data);
}

/** Fields never copied into generic parts: opaque or binary payloads that would only bloat the attribute. */
export const HEAVY = new Set([
  'encrypted_content',
  'result',
  'data',
  'file_data',
  'image_url',
  'b64_json',
  'partial_image_b64',
]);

/** `{type, ...}` copy of an unrecognised item, minus heavy payload fields. */
export function genericPart(item: Obj, type: string): Part {
  const part: Part = { type };
  for (const key of Object.keys(item)) {
    if (key === 'type' || HEAVY.has(key)) continue;
    const value = item[key];
    if (value !== undefined) part[key] = value;
  }
  return part;
}

/** A file reference (`file_id`, `file_data`, `file_url`) as used by chat `file` parts and Responses `input_file`. */
export function filePartFrom(file: Obj): Part | undefined {
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
