/** Faults a scripted request can produce instead of a normal answer. */
export type Fault =
  | 'rate_limit'
  | 'server_error'
  | 'unavailable'
  /** HTTP 529 (Anthropic's `overloaded_error`; other wires answer 529 in their own dialect). */
  | 'overloaded'
  /**
   * An in-stream error event after `faultAfterChunks` output deltas (Anthropic: `event: error` with an
   * `overloaded_error`; OpenAI: a `data: {"error":…}` frame). On a plain request: HTTP 529 as with `overloaded`.
   */
  | 'stream_error'
  | 'malformed_json'
  | 'malformed_sse'
  | 'reset_mid_stream'
  | 'reset_before_response';

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** The raw JSON text the model "wrote"; streamed in fragments. */
  arguments: string;
}

/**
 * Token counts, each in the provider's own sense:
 * - OpenAI: `input` is `prompt_tokens`/`input_tokens`, which INCLUDES `cached` (`cached_tokens`);
 *   `reasoning` is part of `output`.
 * - Anthropic: `input` is the raw `input_tokens`, which EXCLUDES cache reads and writes;
 *   `cached` is `cache_read_input_tokens` and `cacheWrite` is `cache_creation_input_tokens`, so the
 *   total input (the semconv `gen_ai.usage.input_tokens`) is `input + cached + cacheWrite`.
 *   `reasoning` has no Anthropic field and is ignored.
 * - Gemini: `input` is `promptTokenCount`, which INCLUDES `cached` (`cachedContentTokenCount`); `output` is
 *   `candidatesTokenCount` and `reasoning` is `thoughtsTokenCount`, which is NOT part of it.
 */
export interface ScriptedUsage {
  input?: number;
  output?: number;
  /** Cache-read input tokens. */
  cached?: number;
  /** Cache-write input tokens (Anthropic `cache_creation_input_tokens`; OpenAI has none). Default 0. */
  cacheWrite?: number;
  reasoning?: number;
}

/** Per-request behaviour of the fake provider. Every field is optional. */
export interface Script {
  /** Response model; defaults to echoing the request's model. */
  model?: string;
  /** Assistant text; defaults to DEFAULT_CONTENT (or no text when toolCalls are given). */
  content?: string;
  /**
   * Anthropic only: extended-thinking text, sent as a `thinking` block (streamed as `thinking_delta`s,
   * `chunks` of them, then a `signature_delta`) before the text. Ignored by the OpenAI wire.
   */
  thinking?: string;
  /** Number of content chunks a stream carries (content split evenly); default 5. */
  chunks?: number;
  /** Delay before the first stream frame; response headers are sent immediately. */
  firstChunkDelayMs?: number;
  /** Delay between content chunks. */
  chunkDelayMs?: number;
  /** Delay before a non-streamed response (or an error response) is sent. */
  responseDelayMs?: number;
  usage?: ScriptedUsage;
  /**
   * Default 'stop', or 'tool_calls' when toolCalls are given. The Anthropic wire maps 'stop' → 'end_turn',
   * 'length' → 'max_tokens', 'tool_calls' → 'tool_use' and passes anything else (e.g. 'stop_sequence',
   * 'refusal', 'pause_turn') through as `stop_reason`. The Gemini wire maps 'stop' and 'tool_calls' → STOP,
   * 'length' → MAX_TOKENS, 'content_filter' → SAFETY, and 'blocked:<REASON>' answers a prompt blocked by
   * `promptFeedback.blockReason` with no candidates.
   */
  finishReason?: string;
  toolCalls?: ScriptedToolCall[];
  /** Response id; defaults to a generated id in the provider's style. */
  id?: string;
  fault?: Fault;
  /** With rate_limit: value of the retry-after header (default 1). */
  retryAfterSeconds?: number;
  /** For reset_mid_stream / malformed_sse / stream_error: output deltas sent before the fault (default 2). */
  faultAfterChunks?: number;
  /** Embedding vector length (default 8). */
  embeddingDimensions?: number;
  /**
   * Embeddings: the vectors to answer, one per input in order (inputs beyond the list get the default
   * deterministic vector). Lets a test script how similar two texts are.
   */
  embeddings?: number[][];
  /** Any other HTTP error status, with an optional body (default: an error body in the provider's dialect). */
  status?: number;
  errorBody?: unknown;
}

export interface ScriptRequest {
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON that script functions read freely
  body: any;
  /** 0-based position of the request since the provider started or was reset. */
  index: number;
}

export type ScriptSource = Script | ((req: ScriptRequest) => Script);

export const DEFAULT_CONTENT = 'Hello from the fake provider.';
export const DEFAULT_CHUNKS = 5;
export const DEFAULT_INPUT_TOKENS = 12;
export const DEFAULT_OUTPUT_TOKENS = 7;
export const DEFAULT_FAULT_AFTER_CHUNKS = 2;
export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

export interface ResolvedUsage {
  input: number;
  output: number;
  cached: number;
  cacheWrite: number;
  reasoning: number;
  /** input + output (the OpenAI total; Anthropic reports no total). */
  total: number;
}

export function resolveUsage(script: Script): ResolvedUsage {
  const input = script.usage?.input ?? DEFAULT_INPUT_TOKENS;
  const output = script.usage?.output ?? DEFAULT_OUTPUT_TOKENS;
  return {
    input,
    output,
    cached: script.usage?.cached ?? 0,
    cacheWrite: script.usage?.cacheWrite ?? 0,
    reasoning: script.usage?.reasoning ?? 0,
    total: input + output,
  };
}

/** The assistant text, or null when the script only asks for tool calls. */
export function resolveContent(script: Script): string | null {
  if (script.content !== undefined) return script.content;
  return script.toolCalls?.length ? null : DEFAULT_CONTENT;
}

export function resolveFinishReason(script: Script): string {
  return script.finishReason ?? (script.toolCalls?.length ? 'tool_calls' : 'stop');
}

/**
 * Splits text into `parts` nearly equal pieces by code point, so a scripted chunk count maps
 * exactly onto the number of deltas a client sees (fewer only when the text is shorter).
 */
export function splitEvenly(text: string, parts: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, Math.min(Math.floor(parts), chars.length));
  if (chars.length === 0) return [];
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) {
    pieces.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(''));
  }
  return pieces;
}

/** Parses the `x-fake-script` header; throws a message fit for a 400 response. */
export function parseScriptHeader(value: string | string[] | undefined): Script | undefined {
  if (value === undefined) return undefined;
  const raw = Array.isArray(value) ? value[value.length - 1] : value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(
      `x-fake-script header is not valid JSON (${(err as Error).message}); send a JSON object such as {"content":"hi"}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('x-fake-script header must be a JSON object of Script fields, e.g. {"fault":"rate_limit"}');
  }
  return parsed as Script;
}
