import { OPERATION, PROVIDER } from '@promptscope/core';
import type {
  ApiMapping,
  Operation,
  Prepared,
  Reading,
  ResultHandlers,
  StreamObserver,
  StreamOutcome,
  Telemetry,
  Usage,
} from '@promptscope/core/provider';
import { chatInputMessages, chatOutputMessages, chatStreamAccumulator } from './chat-content.js';
import { toolDefinitions } from './content-parts.js';
import { type ClientLike, isRecord, requestAttributes, responseAttributes, serverOf } from './request.js';

export function chatUsage(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const prompt = u.prompt_tokens_details;
  const completion = u.completion_tokens_details;
  return {
    inputTokens: numberOr(u.prompt_tokens),
    outputTokens: numberOr(u.completion_tokens),
    cacheReadTokens: isRecord(prompt) ? numberOr(prompt.cached_tokens) : undefined,
    reasoningTokens: isRecord(completion) ? numberOr(completion.reasoning_tokens) : undefined,
  };
}

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** How one SDK's Chat Completions differs: its default provider name and whether we ask streams for usage. */
export interface ChatFlavour {
  provider: string;
  /**
   * Add `stream_options.include_usage` to streams. Only for the openai SDK: Groq reports stream usage
   * unasked (`x_groq.usage` in the last chunk) and so does Together (`usage` in the last chunk), and neither
   * SDK declares the parameter, so their requests go out exactly as the caller made them.
   */
  askStreamUsage: boolean;
}

/** `chat.completions.create`, and through it the SDK's `.stream()`, `.parse()` and `runTools()` helpers. */
export function chatCompletionsFor(flavour: ChatFlavour): ApiMapping {
  return {
    prepare: (body, client, telemetry) => prepareChat(body, client as ClientLike | undefined, telemetry, flavour),
  };
}

export const chatCompletions: ApiMapping = chatCompletionsFor({ provider: PROVIDER.OPENAI, askStreamUsage: true });

function prepareChat(
  body: unknown,
  client: ClientLike | undefined,
  telemetry: Telemetry,
  flavour: ChatFlavour,
): Prepared | undefined {
  if (!isRecord(body)) return undefined;
  const server = serverOf(client, flavour.provider);
  const stream = body.stream === true;
  let sent: Record<string, unknown> = body;
  let injected = false;
  if (stream && flavour.askStreamUsage && telemetry.config.streamUsage && wantsInjection(body, server.provider)) {
    // A copy, never the caller's object: the caller cannot observe the added parameter, and the extra
    // usage-only chunk it causes is hidden again by the stream observer.
    const options = isRecord(body.stream_options) ? body.stream_options : {};
    sent = { ...body, stream_options: { ...options, include_usage: true } };
    injected = true;
  }
  const copy = sent;
  const requested = stream && isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const attributes = requestAttributes(body, 'chat_completions');
  if (stream) attributes['promptscope.stream.usage_requested'] = injected ? 'injected' : requested ? 'caller' : 'no';
  const choiceCount = typeof body.n === 'number' && body.n > 0 ? body.n : 1;
  return {
    request: {
      operation: OPERATION.CHAT,
      provider: server.provider,
      model: typeof body.model === 'string' ? body.model : undefined,
      serverAddress: server.address,
      serverPort: server.port,
      stream,
      attributes,
    },
    body: sent,
    recordContent(op) {
      op.recordContent('input', chatInputMessages(body.messages));
      const tools = toolDefinitions(body.tools);
      if (tools !== undefined && tools.length > 0) op.recordContent('tool_definitions', tools);
    },
    handlers: chatHandlers(injected, choiceCount, () => {
      // The caller reads the raw SSE body: we could not hide the extra chunk there, so take the
      // parameter back from our copy before the SDK serializes it.
      if (!injected) return false;
      if (isRecord(body.stream_options)) copy.stream_options = body.stream_options;
      else delete copy.stream_options;
      return true;
    }),
  };
}

// Azure rejects `stream_options` on API versions before 2024-09; stay out of its way unless asked.
function wantsInjection(body: Record<string, unknown>, provider: string): boolean {
  if (isRecord(body.stream_options) && body.stream_options.include_usage !== undefined) return false;
  return provider !== 'azure.ai.openai';
}

function chatHandlers(injected: boolean, choiceCount: number, takeBack: () => boolean): ResultHandlers {
  return {
    onRaw(op) {
      if (takeBack()) op.setAttributes({ 'promptscope.stream.usage_requested': 'no' });
    },
    onResult(op, result) {
      if (!isRecord(result)) return;
      op.read(chatReading(result));
    },
    streamObserver(op) {
      return new ChatStreamObserver(op, injected, choiceCount);
    },
  };
}

class ChatStreamObserver implements StreamObserver {
  private id: string | undefined;
  private model: string | undefined;
  private serviceTier: unknown;
  private fingerprint: unknown;
  private readonly finish: (string | undefined)[] = [];
  private readonly content: ReturnType<typeof chatStreamAccumulator> | undefined;

  constructor(
    private readonly op: Operation,
    private readonly injected: boolean,
    private readonly choiceCount: number,
  ) {
    this.content = op.captureContent ? chatStreamAccumulator() : undefined;
  }

  onItem(chunk: unknown): boolean {
    if (!isRecord(chunk)) return true;
    if (this.id === undefined && typeof chunk.id === 'string') {
      this.id = chunk.id;
      if (typeof chunk.model === 'string') this.model = chunk.model;
      this.serviceTier = chunk.service_tier;
      this.fingerprint = chunk.system_fingerprint;
    }
    const choices = chunk.choices;
    let output = false;
    if (Array.isArray(choices)) {
      for (const choice of choices) {
        if (!isRecord(choice)) continue;
        const delta = choice.delta;
        if (isRecord(delta) && hasOutput(delta)) output = true;
        if (typeof choice.finish_reason === 'string' && typeof choice.index === 'number') {
          this.finish[choice.index] = choice.finish_reason;
        }
      }
    }
    if (output) this.op.chunk();
    this.content?.add(chunk);
    const usage = chunk.usage;
    // Groq puts a stream's usage in the last chunk's `x_groq`, not in `usage`.
    const groqUsage = isRecord(chunk.x_groq) ? chunk.x_groq.usage : undefined;
    if (isRecord(groqUsage)) {
      const mapped = chatUsage(groqUsage);
      if (mapped !== undefined) this.op.setUsage(mapped);
    }
    if (isRecord(usage)) {
      const mapped = chatUsage(usage);
      if (mapped !== undefined) this.op.setUsage(mapped);
      // The usage-only chunk exists only because we asked for it: the caller would not have seen it.
      if (this.injected && Array.isArray(choices) && choices.length === 0) return false;
    } else if (this.injected && usage === null) {
      // With include_usage every chunk carries `usage: null`; without it the key is absent.
      delete chunk.usage;
    }
    return true;
  }

  onEnd(_outcome: StreamOutcome): void {
    const n = Math.max(this.choiceCount, this.finish.length);
    const content = this.content;
    this.op.read({
      id: this.id,
      model: this.model,
      finishReasons: Array.from({ length: n }, (_, i) => this.finish[i]),
      attributes: responseAttributes({ service_tier: this.serviceTier, system_fingerprint: this.fingerprint }),
      output: content === undefined ? undefined : () => content.messages(),
    });
  }
}

/** What a chat completion result says, as data (a pure mapping: core applies the policy). */
export function chatReading(result: Record<string, unknown>): Reading {
  const choices = Array.isArray(result.choices) ? result.choices : [];
  return {
    usage: chatUsage(result.usage),
    id: typeof result.id === 'string' ? result.id : undefined,
    model: typeof result.model === 'string' ? result.model : undefined,
    finishReasons: choices.map((c) =>
      isRecord(c) && typeof c.finish_reason === 'string' ? c.finish_reason : undefined,
    ),
    attributes: responseAttributes(result),
    output: () => chatOutputMessages(result.choices),
  };
}

function hasOutput(delta: Record<string, unknown>): boolean {
  return (
    (typeof delta.content === 'string' && delta.content !== '') ||
    (typeof delta.refusal === 'string' && delta.refusal !== '') ||
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) ||
    (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') ||
    // Groq's and Together's reasoning text.
    (typeof delta.reasoning === 'string' && delta.reasoning !== '')
  );
}
