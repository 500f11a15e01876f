/**
 * Calls through the real provider SDKs (`openai`, `@anthropic-ai/sdk`), instrumented by promptscope's own
 * instrumentations, so a test call is recorded exactly as a production call would be. Base URLs and keys
 * come from the SDKs' own variables (OPENAI_BASE_URL / OPENAI_API_KEY, ANTHROPIC_BASE_URL /
 * ANTHROPIC_API_KEY): an OpenAI-compatible server works too. The SDKs' own retries are off: the run's retry
 * loop (retry.ts) is the only one, so every attempt is one request and one span.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { createNoopMeter } from '@opentelemetry/api';
import { instrument as instrumentAnthropic } from '@promptscope/instrumentation-anthropic';
import { instrument as instrumentOpenAI } from '@promptscope/instrumentation-openai';
import type { ChatMessage, PromptProvider } from '@promptscope/prompts';
import type OpenAI from 'openai';
import { InfraError } from '../errors.js';
import { routingTracerProvider } from './tap.js';

/** One chat request, provider-neutral: what a version renders to. */
export interface ChatRequest {
  provider: PromptProvider;
  model: string;
  messages: ChatMessage[];
  /** The version's parameters, as written (max_tokens, temperature, ...). */
  params: Record<string, unknown>;
  stream: boolean;
}

export interface ChatResult {
  output: string;
  /** Normalized like promptfoo's: stop, length, tool_calls, content_filter (else the provider's own). */
  finishReason?: string;
  responseModel?: string;
  usage?: { input?: number; output?: number };
}

// Anthropic's names for what OpenAI calls stop, length, tool_calls.
const ANTHROPIC_FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};
const ANTHROPIC_PARAMS = new Set(['max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata']);
const DEFAULT_ANTHROPIC_MAX_TOKENS = 1024;

interface Sdks {
  OpenAI: typeof OpenAI;
  Anthropic: typeof Anthropic;
}

// Loaded on the first call: the CLI's other commands (and a bank edit) never pay for the SDKs.
let sdks: Promise<Sdks> | undefined;
const loadSdks = () =>
  (sdks ??= Promise.all([import('openai'), import('@anthropic-ai/sdk')]).then(([o, a]) => ({
    OpenAI: o.default,
    Anthropic: a.default,
  })));

let refs = 0;
let handles: { uninstrument(): void }[] = [];

/** Instruments both SDKs once per process while any run holds them. */
function acquire(m: Sdks, captureContent: boolean | undefined): () => void {
  if (refs++ === 0) {
    const options = {
      tracerProvider: routingTracerProvider,
      // Test calls are spans in the same backend as production, but never production metrics.
      meterProvider: { getMeter: () => createNoopMeter() },
      ...(captureContent !== undefined ? { captureContent } : {}),
    };
    handles = [instrumentOpenAI(m.OpenAI, options), instrumentAnthropic(m.Anthropic, options)];
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--refs === 0) {
      for (const h of handles) h.uninstrument();
      handles = [];
    }
  };
}

export interface ProviderOptions {
  env?: Record<string, string | undefined>;
  /** Record message content on the run's spans (default: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
  captureContent?: boolean;
  timeoutMs?: number;
}

export class Providers {
  private readonly env: Record<string, string | undefined>;
  private openaiClient: OpenAI | undefined;
  private anthropicClient: Anthropic | undefined;
  private release: (() => void) | undefined;
  private ready: Promise<Sdks> | undefined;
  private readonly timeoutMs: number;
  private readonly captureContent: boolean | undefined;
  private closed = false;

  constructor(options: ProviderOptions = {}) {
    this.env = options.env ?? process.env;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.captureContent = options.captureContent;
  }

  /** The SDK modules, instrumented (once, on first use). */
  private sdk(): Promise<Sdks> {
    this.ready ??= loadSdks().then((m) => {
      if (!this.closed) this.release = acquire(m, this.captureContent);
      return m;
    });
    return this.ready;
  }

  private async openai(): Promise<OpenAI> {
    const { OpenAI } = await this.sdk();
    if (this.openaiClient === undefined) {
      const apiKey = this.env.OPENAI_API_KEY;
      if (!apiKey) {
        throw new InfraError(
          'OPENAI_API_KEY is not set: the openai SDK needs it (any value for an OpenAI-compatible server that ignores keys)',
        );
      }
      this.openaiClient = new OpenAI({
        apiKey,
        ...(this.env.OPENAI_BASE_URL ? { baseURL: this.env.OPENAI_BASE_URL } : {}),
        maxRetries: 0,
        timeout: this.timeoutMs,
      });
    }
    return this.openaiClient;
  }

  private async anthropic(): Promise<Anthropic> {
    const { Anthropic } = await this.sdk();
    if (this.anthropicClient === undefined) {
      const apiKey = this.env.ANTHROPIC_API_KEY;
      if (!apiKey) throw new InfraError('ANTHROPIC_API_KEY is not set: the @anthropic-ai/sdk SDK needs it');
      this.anthropicClient = new Anthropic({
        apiKey,
        ...(this.env.ANTHROPIC_BASE_URL ? { baseURL: this.env.ANTHROPIC_BASE_URL } : {}),
        maxRetries: 0,
        timeout: this.timeoutMs,
      });
    }
    return this.anthropicClient;
  }

  chat(req: ChatRequest): Promise<ChatResult> {
    return req.provider === 'anthropic' ? this.anthropicChat(req) : this.openaiChat(req);
  }

  private async openaiChat(req: ChatRequest): Promise<ChatResult> {
    const { stream: _stream, ...params } = req.params;
    const body = {
      ...params,
      model: req.model,
      messages: req.messages,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming;
    if (!req.stream) {
      const res = await (await this.openai()).chat.completions.create(body);
      const choice = res.choices[0];
      return {
        output: choice?.message?.content ?? '',
        ...(choice?.finish_reason ? { finishReason: choice.finish_reason } : {}),
        responseModel: res.model,
        ...(res.usage ? { usage: { input: res.usage.prompt_tokens, output: res.usage.completion_tokens } } : {}),
      };
    }
    const stream = await (await this.openai()).chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    let output = '';
    let finishReason: string | undefined;
    let responseModel: string | undefined;
    let usage: ChatResult['usage'];
    for await (const chunk of stream) {
      responseModel ??= chunk.model;
      const choice = chunk.choices[0];
      output += choice?.delta?.content ?? '';
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
    }
    return {
      output,
      ...(finishReason ? { finishReason } : {}),
      ...(responseModel ? { responseModel } : {}),
      ...(usage ? { usage } : {}),
    };
  }

  private async anthropicChat(req: ChatRequest): Promise<ChatResult> {
    const system = req.messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content);
    const messages = req.messages
      .filter((m) => m.role === 'user' || m.role === 'assistant')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(req.params)) {
      if (ANTHROPIC_PARAMS.has(k)) params[k] = v;
      else if (k === 'stop') params.stop_sequences = Array.isArray(v) ? v : [v];
      else if (k === 'max_completion_tokens') params.max_tokens = v;
    }
    const body = {
      max_tokens: DEFAULT_ANTHROPIC_MAX_TOKENS,
      ...params,
      model: req.model,
      messages,
      ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
    } as Anthropic.MessageCreateParamsNonStreaming;
    if (!req.stream) {
      const msg = await (await this.anthropic()).messages.create(body);
      return {
        output: msg.content.map((b) => (b.type === 'text' ? b.text : '')).join(''),
        ...(msg.stop_reason ? { finishReason: ANTHROPIC_FINISH[msg.stop_reason] ?? msg.stop_reason } : {}),
        responseModel: msg.model,
        usage: { input: msg.usage.input_tokens, output: msg.usage.output_tokens },
      };
    }
    const events = await (await this.anthropic()).messages.create({ ...body, stream: true });
    let output = '';
    let stop: string | undefined;
    let responseModel: string | undefined;
    const usage: NonNullable<ChatResult['usage']> = {};
    for await (const e of events) {
      if (e.type === 'message_start') {
        responseModel = e.message.model;
        usage.input = e.message.usage.input_tokens;
      } else if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') output += e.delta.text;
      else if (e.type === 'message_delta') {
        if (e.delta.stop_reason) stop = e.delta.stop_reason;
        usage.output = e.usage.output_tokens;
      }
    }
    return {
      output,
      ...(stop ? { finishReason: ANTHROPIC_FINISH[stop] ?? stop } : {}),
      ...(responseModel ? { responseModel } : {}),
      usage,
    };
  }

  /** Embeddings (OpenAI's API, or any compatible server), one vector per input. */
  async embed(model: string, inputs: string[]): Promise<number[][]> {
    const res = await (await this.openai()).embeddings.create({ model, input: inputs });
    const out = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding as number[]);
    if (out.length !== inputs.length)
      throw new Error(`embeddings: asked for ${inputs.length} vectors, got ${out.length}`);
    return out;
  }

  close(): void {
    this.closed = true;
    this.release?.();
  }
}
