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
  type Usage,
} from '@promptscope/core/provider';
import { providerOf, serverOf } from './client.js';
import { inputMessages, outputMessages, StreamContent, systemInstructions, toolDefinitions } from './content.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * What a prompt blocked before generation is recorded as: `promptFeedback.blockReason` prefixed, e.g.
 * `PROMPT_BLOCKED_SAFETY`, so it is told apart from a candidate's own `SAFETY` finish.
 */
export const PROMPT_BLOCKED = 'PROMPT_BLOCKED_';

/**
 * `usageMetadata` in the conventions' partition. Gemini's `promptTokenCount` already includes the cached
 * tokens (`cachedContentTokenCount`); the tool-use prompt (`toolUsePromptTokenCount`, e.g. search results
 * fed back) is billed as input but counted apart, so it is added. `candidatesTokenCount` excludes the
 * thinking tokens (`thoughtsTokenCount`), which are output, reported as reasoning as well.
 */
export function geminiUsage(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const prompt = num(u.promptTokenCount);
  const toolPrompt = num(u.toolUsePromptTokenCount);
  const candidates = num(u.candidatesTokenCount);
  const thoughts = num(u.thoughtsTokenCount);
  return {
    inputTokens: prompt === undefined && toolPrompt === undefined ? undefined : (prompt ?? 0) + (toolPrompt ?? 0),
    outputTokens: candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0),
    cacheReadTokens: num(u.cachedContentTokenCount),
    reasoningTokens: thoughts,
  };
}

/** `models/gemini-2.5-flash`, `publishers/google/models/gemini-2.5-flash` → `gemini-2.5-flash`. */
export function modelName(model: unknown): string | undefined {
  if (typeof model !== 'string' || model === '') return undefined;
  const i = model.lastIndexOf('models/');
  return i >= 0 ? model.slice(i + 'models/'.length) : model;
}

const OUTPUT_TYPES: Record<string, string> = {
  'application/json': 'json',
  'text/plain': 'text',
  'text/x.enum': 'text',
};

/** Request attributes from a generation config (`@google/genai`'s `config`, the older SDK's `generationConfig`). */
export function requestAttributes(config: Obj): Attributes {
  const a: Attributes = {};
  const put = (key: string, v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) a[key] = v;
  };
  put(ATTR.REQUEST_MAX_TOKENS, config.maxOutputTokens);
  put(ATTR.REQUEST_TEMPERATURE, config.temperature);
  put(ATTR.REQUEST_TOP_P, config.topP);
  put(ATTR.REQUEST_TOP_K, config.topK);
  put(ATTR.REQUEST_SEED, config.seed);
  put(ATTR.REQUEST_FREQUENCY_PENALTY, config.frequencyPenalty);
  put(ATTR.REQUEST_PRESENCE_PENALTY, config.presencePenalty);
  if (typeof config.candidateCount === 'number' && config.candidateCount !== 1) {
    a[ATTR.REQUEST_CHOICE_COUNT] = config.candidateCount;
  }
  if (Array.isArray(config.stopSequences) && config.stopSequences.every((s) => typeof s === 'string')) {
    a[ATTR.REQUEST_STOP_SEQUENCES] = config.stopSequences;
  }
  const outputType = typeof config.responseMimeType === 'string' ? OUTPUT_TYPES[config.responseMimeType] : undefined;
  if (outputType !== undefined) a[ATTR.OUTPUT_TYPE] = outputType;
  const thinking = isObj(config.thinkingConfig) ? config.thinkingConfig : undefined;
  if (typeof thinking?.thinkingLevel === 'string')
    a[ATTR.REQUEST_REASONING_LEVEL] = thinking.thinkingLevel.toLowerCase();
  return a;
}

/**
 * `Models.prototype.generateContentInternal` / `generateContentStreamInternal`: every public path
 * (`models.generateContent`, `models.generateContentStream`, `chats.create().sendMessage[Stream]`) reaches
 * one of them once per model call, with `{model, contents, config}` as the caller gave them.
 */
export function generateContent(stream: boolean): ApiMapping {
  return {
    prepare(params: unknown, client: unknown): Prepared | undefined {
      if (!isObj(params)) return undefined;
      const config = isObj(params.config) ? params.config : {};
      const { address, port } = serverOf(client);
      const signal = config.abortSignal instanceof AbortSignal ? config.abortSignal : undefined;
      return {
        request: {
          operation: OPERATION.GENERATE_CONTENT,
          provider: providerOf(client),
          model: modelName(params.model),
          serverAddress: address,
          serverPort: port,
          stream,
          attributes: requestAttributes(config),
        },
        body: params,
        recordContent(op) {
          const system = systemInstructions(config.systemInstruction);
          if (system !== undefined) op.recordContent('system_instructions', system);
          op.recordContent('input', inputMessages(params.contents));
          const tools = toolDefinitions(config.tools);
          if (tools !== undefined) op.recordContent('tool_definitions', tools);
        },
        handlers,
        signal,
      };
    },
  };
}

export const handlers: ResultHandlers = {
  onResult(op, response) {
    if (isObj(response)) op.read(responseReading(response));
  },
  streamObserver(op) {
    return new GenerateStreamObserver(op);
  },
};

function finishReasonsOf(response: Obj): (string | undefined)[] {
  if (Array.isArray(response.candidates) && response.candidates.length > 0) {
    return response.candidates.map((c) =>
      isObj(c) && typeof c.finishReason === 'string' ? c.finishReason : undefined,
    );
  }
  const block = isObj(response.promptFeedback) ? response.promptFeedback.blockReason : undefined;
  return [typeof block === 'string' ? `${PROMPT_BLOCKED}${block}` : undefined];
}

/** What a GenerateContentResponse says, as data (a pure mapping: core applies the policy). */
export function responseReading(response: Obj): Reading {
  return {
    usage: geminiUsage(response.usageMetadata),
    id: typeof response.responseId === 'string' ? response.responseId : undefined,
    model: typeof response.modelVersion === 'string' ? response.modelVersion : undefined,
    finishReasons: finishReasonsOf(response),
    output: () => outputMessages(response),
  };
}

/** A chunk carries output when one of its candidates has a part: text, a thought, a function call, ... */
export function hasOutput(chunk: unknown): boolean {
  if (!isObj(chunk) || !Array.isArray(chunk.candidates)) return false;
  return chunk.candidates.some(
    (c) =>
      isObj(c) &&
      isObj(c.content) &&
      Array.isArray(c.content.parts) &&
      c.content.parts.some((p) => isObj(p) && (p.text === undefined || p.text !== '')),
  );
}

/**
 * Each stream chunk is a whole GenerateContentResponse: ids and model on every one, usage growing to its
 * final counts on the last, a candidate's finish reason on its last chunk.
 */
class GenerateStreamObserver implements StreamObserver {
  private id: string | undefined;
  private model: string | undefined;
  private usage: unknown;
  private readonly reasons: (string | undefined)[] = [];
  private blockReason: string | undefined;
  private readonly content: StreamContent | undefined;

  constructor(private readonly op: Operation) {
    this.content = op.captureContent ? new StreamContent() : undefined;
    // The caller holds the stream from now on: a stream never iterated was last seen here, not at the call.
    op.touch();
  }

  onItem(chunk: unknown): boolean {
    if (!isObj(chunk)) return true;
    if (hasOutput(chunk)) this.op.chunk();
    if (typeof chunk.responseId === 'string') this.id = chunk.responseId;
    if (typeof chunk.modelVersion === 'string') this.model = chunk.modelVersion;
    if (isObj(chunk.usageMetadata)) this.usage = chunk.usageMetadata;
    if (isObj(chunk.promptFeedback) && typeof chunk.promptFeedback.blockReason === 'string') {
      this.blockReason = chunk.promptFeedback.blockReason;
    }
    if (Array.isArray(chunk.candidates)) {
      chunk.candidates.forEach((c: unknown, i: number) => {
        if (!isObj(c)) return;
        const index = typeof c.index === 'number' ? c.index : i;
        if (this.reasons.length <= index) this.reasons.length = index + 1;
        if (typeof c.finishReason === 'string') this.reasons[index] = c.finishReason;
      });
    }
    this.content?.add(chunk);
    return true;
  }

  onEnd(): void {
    const content = this.content;
    const reasons =
      this.reasons.length > 0
        ? this.reasons
        : [this.blockReason === undefined ? undefined : `${PROMPT_BLOCKED}${this.blockReason}`];
    this.op.read({
      usage: geminiUsage(this.usage),
      id: this.id,
      model: this.model,
      finishReasons: Array.from(reasons),
      output: content === undefined ? undefined : () => content.messages(),
    });
  }
}
