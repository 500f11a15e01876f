import type { Attributes } from '@opentelemetry/api';
import {
  type ApiMapping,
  ATTR,
  OPERATION,
  type Operation,
  type Prepared,
  type Reading,
  type ResultHandlers,
  type StreamObserver,
  serverAddress,
  type Usage,
} from '@promptscope/core/provider';
import { providerOfClient } from './clients.js';
import { inputMessages, outputMessages, StreamContent, systemInstructions, toolDefinitions } from './content.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object';
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Anthropic's `input_tokens` excludes cached tokens; the conventions' input includes cache reads and
 * writes, reported separately as well.
 */
export function anthropicUsage(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
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

function requestAttributes(body: Obj): Attributes {
  const a: Attributes = {};
  const put = (key: string, v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) a[key] = v;
  };
  put(ATTR.REQUEST_MAX_TOKENS, body.max_tokens);
  put(ATTR.REQUEST_TEMPERATURE, body.temperature);
  put(ATTR.REQUEST_TOP_P, body.top_p);
  put(ATTR.REQUEST_TOP_K, body.top_k);
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.every((s) => typeof s === 'string')) {
    a[ATTR.REQUEST_STOP_SEQUENCES] = body.stop_sequences;
  }
  const effort = isObj(body.output_config) ? body.output_config.effort : undefined;
  if (typeof effort === 'string') a[ATTR.REQUEST_REASONING_LEVEL] = effort;
  return a;
}

/**
 * `messages.create` and `beta.messages.create`, and through them `messages.stream()` and `.parse()`, on the
 * `Anthropic` and `AnthropicVertex` clients alike. The model is read from the caller's body: the Vertex
 * client moves it into the URL only when it serializes the request.
 */
export const messages: ApiMapping = {
  prepare(body: unknown, client: unknown): Prepared | undefined {
    if (!isObj(body)) return undefined;
    const { address, port } = serverAddress(client);
    return {
      request: {
        operation: OPERATION.CHAT,
        provider: providerOfClient(client),
        model: typeof body.model === 'string' ? body.model : undefined,
        serverAddress: address,
        serverPort: port,
        stream: body.stream === true,
        attributes: requestAttributes(body),
      },
      body,
      recordContent(op) {
        const system = systemInstructions(body.system);
        if (system !== undefined) op.recordContent('system_instructions', system);
        op.recordContent('input', inputMessages(body.messages));
        const tools = toolDefinitions(body.tools);
        if (tools !== undefined) op.recordContent('tool_definitions', tools);
      },
      handlers,
    };
  },
};

const handlers: ResultHandlers = {
  onResult(op, message) {
    if (isObj(message)) op.read(messageReading(message));
  },
  streamObserver(op) {
    return new MessageStreamObserver(op);
  },
};

/** Reads the Messages SSE events: `message_start`, content block deltas, `message_delta`, `message_stop`. */
class MessageStreamObserver implements StreamObserver {
  private id: string | undefined;
  private model: string | undefined;
  private stopReason: string | undefined;
  // Usage arrives in parts: input and cache counts in message_start, the final output count (and, on newer
  // API versions, updated input counts) in message_delta. Later values win.
  private usage: Obj | undefined;
  private readonly content: StreamContent | undefined;

  constructor(private readonly op: Operation) {
    this.content = op.captureContent ? new StreamContent() : undefined;
  }

  onItem(event: unknown): boolean {
    if (!isObj(event)) return true;
    switch (event.type) {
      case 'content_block_delta':
        this.op.chunk();
        break;
      case 'message_start':
        if (isObj(event.message)) {
          const m = event.message;
          if (typeof m.id === 'string') this.id = m.id;
          if (typeof m.model === 'string') this.model = m.model;
          this.mergeUsage(m.usage);
        }
        break;
      case 'message_delta':
        if (isObj(event.delta) && typeof event.delta.stop_reason === 'string')
          this.stopReason = event.delta.stop_reason;
        this.mergeUsage(event.usage);
        break;
    }
    this.content?.add(event);
    return true;
  }

  private mergeUsage(u: unknown): void {
    if (!isObj(u)) return;
    this.usage ??= {};
    for (const [k, v] of Object.entries(u)) if (typeof v === 'number') this.usage[k] = v;
  }

  onEnd(): void {
    const content = this.content;
    this.op.read({
      usage: anthropicUsage(this.usage),
      id: this.id,
      model: this.model,
      finishReasons: [this.stopReason],
      output: content === undefined ? undefined : () => content.messages(),
    });
  }
}

/** What a Messages API result says, as data (a pure mapping: core applies the policy). */
export function messageReading(message: Obj): Reading {
  return {
    usage: anthropicUsage(message.usage),
    id: typeof message.id === 'string' ? message.id : undefined,
    model: typeof message.model === 'string' ? message.model : undefined,
    finishReasons: [typeof message.stop_reason === 'string' ? message.stop_reason : undefined],
    output: () => outputMessages(message),
  };
}
