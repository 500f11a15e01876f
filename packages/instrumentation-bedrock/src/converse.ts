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
  assistantMessage,
  ConverseStreamContent,
  converseMessages,
  converseParts,
  converseSystem,
  converseTools,
  isObj,
  str,
} from './content.js';
import type { CommandMapping } from './patch.js';

type Obj = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Bedrock's `inputTokens` counts only the uncached input (its `totalTokens` adds cache reads and writes);
 * the conventions' input includes both, which are also reported on their own. Nova's invoke usage names
 * the cache counts `cacheReadInputTokenCount` / `cacheWriteInputTokenCount`.
 */
export function bedrockUsage(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const input = num(u.inputTokens);
  const read = num(u.cacheReadInputTokens) ?? num(u.cacheReadInputTokenCount);
  const write = num(u.cacheWriteInputTokens) ?? num(u.cacheWriteInputTokenCount);
  return {
    inputTokens: input === undefined ? undefined : input + (read ?? 0) + (write ?? 0),
    outputTokens: num(u.outputTokens),
    cacheReadTokens: read,
    cacheWriteTokens: write,
  };
}

/** Request parameters: Converse's `inferenceConfig` (Nova's invoke body has the same, or `max_new_tokens`). */
export function inferenceAttributes(config: unknown): Attributes {
  const a: Attributes = {};
  if (!isObj(config)) return a;
  const put = (key: string, v: unknown) => {
    if (num(v) !== undefined) a[key] = v as number;
  };
  put(ATTR.REQUEST_MAX_TOKENS, config.maxTokens ?? config.max_new_tokens);
  put(ATTR.REQUEST_TEMPERATURE, config.temperature);
  put(ATTR.REQUEST_TOP_P, config.topP);
  put(ATTR.REQUEST_TOP_K, config.topK);
  const stop = config.stopSequences;
  if (Array.isArray(stop) && stop.length > 0 && stop.every((s) => typeof s === 'string')) {
    a[ATTR.REQUEST_STOP_SEQUENCES] = stop;
  }
  return a;
}

/** `ConverseCommand` and `ConverseStreamCommand`: the model is `modelId` (a model, profile or ARN). */
export function converse(stream: boolean): CommandMapping {
  return {
    prepare(input, _client, _telemetry, signal): Prepared {
      return {
        request: {
          operation: OPERATION.CHAT,
          provider: PROVIDER.AWS_BEDROCK,
          model: str(input.modelId),
          stream,
          attributes: inferenceAttributes(input.inferenceConfig),
        },
        body: input,
        recordContent(op) {
          const system = converseSystem(input.system);
          if (system !== undefined) op.recordContent('system_instructions', system);
          op.recordContent('input', converseMessages(input.messages));
          const tools = converseTools(input.toolConfig);
          if (tools !== undefined) op.recordContent('tool_definitions', tools);
        },
        handlers: stream ? streamHandlers : plainHandlers,
        signal,
      };
    },
  };
}

/** What a Converse output says, as data (a pure mapping: core applies the policy). */
export function converseReading(output: Obj): Reading {
  const stopReason = str(output.stopReason);
  const message = isObj(output.output) && isObj(output.output.message) ? output.output.message : undefined;
  return {
    usage: bedrockUsage(output.usage),
    finishReasons: [stopReason],
    output: () => assistantMessage(converseParts(message?.content), stopReason),
  };
}

const plainHandlers: ResultHandlers = {
  onResult(op, output) {
    if (isObj(output)) op.read(converseReading(output));
  },
  streamObserver: (op) => new ConverseStreamObserver(op),
};

const streamHandlers: ResultHandlers = {
  ...plainHandlers,
  // The SDK's output keeps its `$metadata`; the events are in `output.stream`, observed in place.
  streamOf: (output) => (isObj(output) ? output.stream : undefined),
};

/**
 * Reads `ConverseStreamOutput` events (one key each): content block deltas (the first one is the time to
 * first token), `messageStop` (the stop reason) and `metadata` (usage). Exceptions the service sends
 * in the stream are thrown by the SDK's iterator, which core records as the stream's error.
 */
export class ConverseStreamObserver implements StreamObserver {
  private stopReason: string | undefined;
  private usage: unknown;
  private readonly content: ConverseStreamContent | undefined;

  constructor(private readonly op: Operation) {
    // Made when the SDK hands the stream over: a stream never read is abandoned no earlier than now.
    op.touch();
    this.content = op.captureContent ? new ConverseStreamContent() : undefined;
  }

  onItem(event: unknown): boolean {
    if (!isObj(event)) return true;
    if (isObj(event.contentBlockDelta)) {
      const d = event.contentBlockDelta;
      this.op.chunk();
      this.content?.delta(num(d.contentBlockIndex) ?? 0, d.delta);
    } else if (isObj(event.contentBlockStart)) {
      const s = event.contentBlockStart;
      this.content?.start(num(s.contentBlockIndex) ?? 0, s.start);
    } else if (isObj(event.messageStop)) {
      this.stopReason = str(event.messageStop.stopReason) ?? this.stopReason;
    } else if (isObj(event.metadata)) {
      this.usage = event.metadata.usage;
    }
    return true;
  }

  onEnd(): void {
    const content = this.content;
    const stopReason = this.stopReason;
    this.op.read({
      usage: bedrockUsage(this.usage),
      finishReasons: [stopReason],
      output: content === undefined ? undefined : () => content.messages(stopReason),
    });
  }
}
