import type { Attributes } from '@opentelemetry/api';
import {
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
import {
  AnthropicEvents,
  anthropicMessages,
  anthropicParts,
  anthropicSystem,
  anthropicTools,
  anthropicUsage,
} from './anthropic.js';
import {
  assistantMessage,
  ConverseStreamContent,
  converseMessages,
  converseParts,
  converseSystem,
  isObj,
  type Message,
  str,
} from './content.js';
import { bedrockUsage, inferenceAttributes } from './converse.js';
import type { CommandMapping } from './patch.js';

type Obj = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The body shapes we read; any other model's body (embeddings, images, other vendors) is left alone. */
type Shape = 'anthropic' | 'titan' | 'nova';

const decoder = new TextDecoder();

/** A JSON body as the SDK carries it (the caller's string or bytes, or the response's byte array). */
export function parseJson(body: unknown): unknown {
  try {
    if (typeof body === 'string') return JSON.parse(body);
    if (body instanceof Uint8Array) return JSON.parse(decoder.decode(body));
  } catch {
    // Not JSON: not a body we can read.
  }
  return undefined;
}

function shapeOf(body: Obj, modelId: string): Shape | undefined {
  if (typeof body.anthropic_version === 'string' && Array.isArray(body.messages)) return 'anthropic';
  // Titan's embedding models take `inputText` too; they are not completions.
  if (typeof body.inputText === 'string' && !/embed/i.test(modelId)) return 'titan';
  if (Array.isArray(body.messages) && /nova/i.test(modelId)) return 'nova';
  return undefined;
}

function anthropicAttributes(body: Obj): Attributes {
  const a: Attributes = {};
  const put = (key: string, v: unknown) => {
    if (num(v) !== undefined) a[key] = v as number;
  };
  put(ATTR.REQUEST_MAX_TOKENS, body.max_tokens);
  put(ATTR.REQUEST_TEMPERATURE, body.temperature);
  put(ATTR.REQUEST_TOP_P, body.top_p);
  put(ATTR.REQUEST_TOP_K, body.top_k);
  const stop = body.stop_sequences;
  if (Array.isArray(stop) && stop.length > 0 && stop.every((s) => typeof s === 'string')) {
    a[ATTR.REQUEST_STOP_SEQUENCES] = stop;
  }
  return a;
}

function titanAttributes(body: Obj): Attributes {
  const config = isObj(body.textGenerationConfig) ? body.textGenerationConfig : {};
  return inferenceAttributes({
    maxTokens: config.maxTokenCount,
    temperature: config.temperature,
    topP: config.topP,
    stopSequences: config.stopSequences,
  });
}

function requestAttributes(shape: Shape, body: Obj): Attributes {
  if (shape === 'anthropic') return anthropicAttributes(body);
  if (shape === 'titan') return titanAttributes(body);
  return inferenceAttributes(body.inferenceConfig);
}

function recordRequest(op: Operation, shape: Shape, body: Obj): void {
  if (shape === 'anthropic') {
    const system = anthropicSystem(body.system);
    if (system !== undefined) op.recordContent('system_instructions', system);
    op.recordContent('input', anthropicMessages(body.messages));
    const tools = anthropicTools(body.tools);
    if (tools !== undefined) op.recordContent('tool_definitions', tools);
  } else if (shape === 'titan') {
    op.recordContent('input', [{ role: 'user', parts: [{ type: 'text', content: body.inputText }] }]);
  } else {
    const system = converseSystem(body.system);
    if (system !== undefined) op.recordContent('system_instructions', system);
    op.recordContent('input', converseMessages(body.messages));
  }
}

/** `InvokeModelCommand` and `InvokeModelWithResponseStreamCommand` with a body shape we know. */
export function invoke(stream: boolean): CommandMapping {
  return {
    prepare(input, _client, _telemetry, signal): Prepared | undefined {
      const modelId = str(input.modelId);
      const body = parseJson(input.body);
      if (modelId === undefined || !isObj(body)) return undefined;
      const shape = shapeOf(body, modelId);
      if (shape === undefined) return undefined;
      return {
        request: {
          operation: OPERATION.CHAT,
          provider: PROVIDER.AWS_BEDROCK,
          model: modelId,
          stream,
          attributes: requestAttributes(shape, body),
        },
        body: input,
        recordContent: (op) => recordRequest(op, shape, body),
        handlers: handlersFor(shape, stream),
        signal,
      };
    },
  };
}

const HANDLERS = new Map<string, ResultHandlers>();

function handlersFor(shape: Shape, stream: boolean): ResultHandlers {
  const key = `${shape}:${stream}`;
  let handlers = HANDLERS.get(key);
  if (handlers === undefined) {
    handlers = {
      onResult(op, output) {
        const body = isObj(output) ? parseJson(output.body) : undefined;
        if (isObj(body)) op.read(invokeReading(shape, body));
      },
      streamObserver: (op) => new InvokeStreamObserver(op, shape),
      // The chunks are in `output.body`, observed in place; the output object is the SDK's.
      streamOf: (output) => (isObj(output) ? output.body : undefined),
    };
    HANDLERS.set(key, handlers);
  }
  return handlers;
}

/** What an invoke response body says, per model family. */
export function invokeReading(shape: Shape, body: Obj): Reading {
  if (shape === 'anthropic') {
    const stopReason = str(body.stop_reason);
    return {
      usage: anthropicUsage(body.usage),
      id: str(body.id),
      model: str(body.model),
      finishReasons: [stopReason],
      output: () => assistantMessage(anthropicParts(body.content), stopReason),
    };
  }
  if (shape === 'titan') {
    const results = Array.isArray(body.results) ? body.results.filter(isObj) : [];
    let output: number | undefined;
    for (const r of results) if (num(r.tokenCount) !== undefined) output = (output ?? 0) + (r.tokenCount as number);
    return {
      usage: { inputTokens: num(body.inputTextTokenCount), outputTokens: output },
      finishReasons: results.map((r) => str(r.completionReason)),
      output: () =>
        results.map(
          (r): Message => ({
            role: 'assistant',
            parts: [{ type: 'text', content: str(r.outputText) ?? '' }],
            finish_reason: str(r.completionReason) ?? 'error',
          }),
        ),
    };
  }
  const stopReason = str(body.stopReason);
  const message = isObj(body.output) && isObj(body.output.message) ? body.output.message : undefined;
  return {
    usage: bedrockUsage(body.usage),
    finishReasons: [stopReason],
    output: () => assistantMessage(converseParts(message?.content), stopReason),
  };
}

/**
 * Reads `{chunk: {bytes}}` events, each a JSON payload in the model's own stream format: Anthropic SSE
 * events, Titan text pieces with running token counts, or Nova's one-key Converse-like events. The bytes
 * are decoded for us only; the caller's event object is untouched.
 */
class InvokeStreamObserver implements StreamObserver {
  private readonly anthropic: AnthropicEvents | undefined;
  private readonly nova: ConverseStreamContent | undefined;
  private stopReason: string | undefined;
  private usage: Usage | undefined;
  private text = '';

  constructor(
    private readonly op: Operation,
    private readonly shape: Shape,
  ) {
    // Made when the SDK hands the stream over: a stream never read is abandoned no earlier than now.
    op.touch();
    if (shape === 'anthropic') this.anthropic = new AnthropicEvents(op.captureContent);
    else if (shape === 'nova' && op.captureContent) this.nova = new ConverseStreamContent();
  }

  onItem(event: unknown): boolean {
    const chunk = isObj(event) && isObj(event.chunk) ? event.chunk : undefined;
    const payload = chunk === undefined ? undefined : parseJson(chunk.bytes);
    if (!isObj(payload)) return true;
    if (this.anthropic !== undefined) {
      if (this.anthropic.add(payload)) this.op.chunk();
    } else if (this.shape === 'titan') {
      this.titan(payload);
    } else {
      this.novaEvent(payload);
    }
    return true;
  }

  private titan(p: Obj): void {
    if (typeof p.outputText === 'string' && p.outputText !== '') {
      this.op.chunk();
      if (this.op.captureContent) this.text += p.outputText;
    }
    const metrics = isObj(p['amazon-bedrock-invocationMetrics']) ? p['amazon-bedrock-invocationMetrics'] : {};
    this.usage = {
      inputTokens: num(p.inputTextTokenCount) ?? num(metrics.inputTokenCount) ?? this.usage?.inputTokens,
      outputTokens: num(p.totalOutputTextTokenCount) ?? num(metrics.outputTokenCount) ?? this.usage?.outputTokens,
    };
    this.stopReason = str(p.completionReason) ?? this.stopReason;
  }

  private novaEvent(p: Obj): void {
    if (isObj(p.contentBlockDelta)) {
      this.op.chunk();
      this.nova?.delta(num(p.contentBlockDelta.contentBlockIndex) ?? 0, p.contentBlockDelta.delta);
    } else if (isObj(p.contentBlockStart)) {
      this.nova?.start(num(p.contentBlockStart.contentBlockIndex) ?? 0, p.contentBlockStart.start);
    } else if (isObj(p.messageStop)) {
      this.stopReason = str(p.messageStop.stopReason) ?? this.stopReason;
    } else if (isObj(p.metadata)) {
      this.usage = bedrockUsage(p.metadata.usage) ?? this.usage;
    }
  }

  onEnd(): void {
    const a = this.anthropic;
    if (a !== undefined) {
      this.op.read({
        usage: a.tokens(),
        id: a.id,
        model: a.model,
        finishReasons: [a.stopReason],
        output: this.op.captureContent ? () => a.messages() : undefined,
      });
      return;
    }
    const stopReason = this.stopReason;
    const nova = this.nova;
    const text = this.text;
    this.op.read({
      usage: this.usage,
      finishReasons: [stopReason],
      output:
        this.shape === 'titan'
          ? () => assistantMessage([{ type: 'text', content: text }], stopReason)
          : nova === undefined
            ? undefined
            : () => nova.messages(stopReason),
    });
  }
}
