import type { Attributes } from '@opentelemetry/api';
import {
  type ApiMapping,
  ATTR,
  OPERATION,
  type Operation,
  PROVIDER,
  type Prepared,
  type Reading,
  type ResultHandlers,
  type StreamObserver,
  type Usage,
} from '@promptscope/core/provider';
import { inputMessages, outputMessages, StreamContent, toolDefinitions } from './content.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Mistral's `promptTokens` already include any cached tokens. The SDK's usage schema has no cached field
 * but passes unknown keys through under their wire names, so a cached count the API reports
 * (`prompt_tokens_details.cached_tokens`) is read from there.
 */
export function mistralUsage(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  // 1.x gathers the unknown keys under `additionalProperties`; 2.x leaves them beside the known ones.
  const extra = isObj(u.additionalProperties) ? u.additionalProperties : u;
  const details = isObj(extra.prompt_tokens_details) ? extra.prompt_tokens_details : undefined;
  const cached = details === undefined ? undefined : num(details.cached_tokens);
  return {
    inputTokens: num(u.promptTokens),
    outputTokens: num(u.completionTokens),
    cacheReadTokens: cached !== undefined && cached > 0 ? cached : undefined,
  };
}

/** The server the call goes to: the per-call `serverURL` option wins over the client's. */
export function serverOf(client: unknown, options: unknown): { address?: string; port?: number } {
  const override = isObj(options) ? options.serverURL : undefined;
  const base = override ?? (isObj(client) ? client._baseURL : undefined);
  if (base === undefined || base === null) return {};
  try {
    const url = new URL(String(base));
    return { address: url.hostname, port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
  } catch {
    return {};
  }
}

/** The caller's abort signal: Speakeasy spreads `options` over `options.fetchOptions`, so the top-level one wins. */
function signalOf(options: unknown): AbortSignal | undefined {
  if (!isObj(options)) return undefined;
  const fetchOptions = isObj(options.fetchOptions) ? options.fetchOptions : {};
  const s = options.signal ?? fetchOptions.signal;
  return s instanceof AbortSignal ? s : undefined;
}

function requestAttributes(body: Obj): Attributes {
  const a: Attributes = {};
  const put = (key: string, v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) a[key] = v;
  };
  put(ATTR.REQUEST_MAX_TOKENS, body.maxTokens);
  put(ATTR.REQUEST_TEMPERATURE, body.temperature);
  put(ATTR.REQUEST_TOP_P, body.topP);
  put(ATTR.REQUEST_SEED, body.randomSeed);
  put(ATTR.REQUEST_FREQUENCY_PENALTY, body.frequencyPenalty);
  put(ATTR.REQUEST_PRESENCE_PENALTY, body.presencePenalty);
  if (typeof body.n === 'number' && body.n !== 1) a[ATTR.REQUEST_CHOICE_COUNT] = body.n;
  if (typeof body.stop === 'string') a[ATTR.REQUEST_STOP_SEQUENCES] = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.every((s) => typeof s === 'string')) {
    a[ATTR.REQUEST_STOP_SEQUENCES] = body.stop;
  }
  if (typeof body.reasoningEffort === 'string') a[ATTR.REQUEST_REASONING_LEVEL] = body.reasoningEffort;
  return a;
}

/** `chat.complete` (`stream: false`) and `chat.stream` (`stream: true`) take the same request body. */
export function chatMapping(stream: boolean): ApiMapping {
  return {
    prepare(body: unknown, client: unknown, _telemetry, args): Prepared | undefined {
      if (!isObj(body)) return undefined;
      const { address, port } = serverOf(client, args[1]);
      return {
        request: {
          operation: OPERATION.CHAT,
          provider: PROVIDER.MISTRAL_AI,
          model: str(body.model),
          serverAddress: address,
          serverPort: port,
          stream,
          attributes: requestAttributes(body),
        },
        body,
        recordContent(op) {
          op.recordContent('input', inputMessages(body.messages));
          const tools = toolDefinitions(body.tools);
          if (tools !== undefined) op.recordContent('tool_definitions', tools);
        },
        handlers: chatHandlers,
        signal: signalOf(args[1]),
      };
    },
  };
}

const chatHandlers: ResultHandlers = {
  onResult(op, result) {
    if (isObj(result)) op.read(completionReading(result));
  },
  streamObserver(op) {
    return new ChunkObserver(op);
  },
};

/** What a `chat.complete` result says, as data (a pure mapping: core applies the policy). */
export function completionReading(result: Obj): Reading {
  const choices = Array.isArray(result.choices) ? result.choices : [];
  return {
    usage: mistralUsage(result.usage),
    id: str(result.id),
    model: str(result.model),
    finishReasons: choices.map((c) => (isObj(c) ? str(c.finishReason) : undefined)),
    output: () => outputMessages(choices),
  };
}

function hasOutput(delta: unknown): boolean {
  if (!isObj(delta)) return false;
  const c = delta.content;
  if ((typeof c === 'string' && c !== '') || (Array.isArray(c) && c.length > 0)) return true;
  return Array.isArray(delta.toolCalls) && delta.toolCalls.length > 0;
}

/** Reads `{ data: CompletionChunk }` events; Mistral puts usage on the chunk that carries the finish reason. */
class ChunkObserver implements StreamObserver {
  private id: string | undefined;
  private model: string | undefined;
  private usage: unknown;
  private readonly finish: (string | undefined)[] = [];
  private readonly content: StreamContent | undefined;

  constructor(private readonly op: Operation) {
    this.content = op.captureContent ? new StreamContent() : undefined;
    // Made when the SDK hands the stream over: the caller was last seen now, which is where a stream
    // that is never read ends when it is abandoned (not at the span's start, before the response).
    op.touch();
  }

  onItem(event: unknown): boolean {
    const chunk = isObj(event) ? event.data : undefined;
    if (!isObj(chunk)) return true;
    this.id ??= str(chunk.id);
    this.model ??= str(chunk.model);
    if (isObj(chunk.usage)) this.usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return true;
    let output = false;
    for (const choice of chunk.choices) {
      if (!isObj(choice)) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      if (typeof choice.finishReason === 'string') this.finish[index] = choice.finishReason;
      else if (index >= this.finish.length) this.finish[index] = undefined;
      if (hasOutput(choice.delta)) output = true;
      this.content?.add(choice);
    }
    if (output) this.op.chunk();
    return true;
  }

  onEnd(): void {
    const content = this.content;
    this.op.read({
      usage: mistralUsage(this.usage),
      id: this.id,
      model: this.model,
      finishReasons: this.finish.length > 0 ? Array.from(this.finish) : [undefined],
      output: content === undefined ? undefined : () => content.messages(),
    });
  }
}

/** `embeddings.create`: no content is recorded for embeddings, as for the other providers. */
export const embeddings: ApiMapping = {
  prepare(body: unknown, client: unknown, _telemetry, args): Prepared | undefined {
    if (!isObj(body)) return undefined;
    const { address, port } = serverOf(client, args[1]);
    const attributes: Attributes = {};
    if (typeof body.encodingFormat === 'string') attributes[ATTR.REQUEST_ENCODING_FORMATS] = [body.encodingFormat];
    if (typeof body.outputDimension === 'number') attributes[ATTR.EMBEDDINGS_DIMENSION_COUNT] = body.outputDimension;
    return {
      request: {
        operation: OPERATION.EMBEDDINGS,
        provider: PROVIDER.MISTRAL_AI,
        model: str(body.model),
        serverAddress: address,
        serverPort: port,
        attributes,
      },
      body,
      handlers: embeddingHandlers(typeof body.outputDimension === 'number'),
      signal: signalOf(args[1]),
    };
  },
};

function embeddingHandlers(dimensionsAsked: boolean): ResultHandlers {
  return {
    onResult(op, result) {
      if (!isObj(result)) return;
      const first = Array.isArray(result.data) ? result.data[0] : undefined;
      const vector = isObj(first) ? first.embedding : undefined;
      const usage = isObj(result.usage) ? result.usage : {};
      op.read({
        usage: { inputTokens: num(usage.promptTokens) },
        id: str(result.id),
        model: str(result.model),
        attributes:
          !dimensionsAsked && Array.isArray(vector) ? { [ATTR.EMBEDDINGS_DIMENSION_COUNT]: vector.length } : undefined,
      });
    },
    streamObserver() {
      throw new Error('embeddings do not stream');
    },
  };
}
