import { OPERATION } from '@promptscope/core';
import type {
  ApiMapping,
  Operation,
  Prepared,
  Reading,
  ResultHandlers,
  StreamObserver,
  StreamOutcome,
  Usage,
} from '@promptscope/core/provider';
import { toolDefinitions } from './content-parts.js';
import { type ClientLike, isRecord, requestAttributes, responseAttributes, serverOf } from './request.js';
import { responsesFinishReason, responsesInput, responsesOutput } from './responses-content.js';

export function responsesUsage(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const input = u.input_tokens_details;
  const output = u.output_tokens_details;
  return {
    inputTokens: typeof u.input_tokens === 'number' ? u.input_tokens : undefined,
    outputTokens: typeof u.output_tokens === 'number' ? u.output_tokens : undefined,
    cacheReadTokens: isRecord(input) && typeof input.cached_tokens === 'number' ? input.cached_tokens : undefined,
    reasoningTokens:
      isRecord(output) && typeof output.reasoning_tokens === 'number' ? output.reasoning_tokens : undefined,
  };
}

/** `responses.create`, and through it `responses.stream()` and `responses.parse()`. */
export const responses: ApiMapping = {
  prepare(body: unknown, client: ClientLike | undefined): Prepared | undefined {
    if (!isRecord(body)) return undefined;
    const server = serverOf(client);
    return {
      request: {
        operation: OPERATION.CHAT,
        provider: server.provider,
        model: typeof body.model === 'string' ? body.model : undefined,
        serverAddress: server.address,
        serverPort: server.port,
        stream: body.stream === true,
        attributes: requestAttributes(body, 'responses'),
      },
      body,
      recordContent(op) {
        const { system, input } = responsesInput(body);
        if (system !== undefined && system.length > 0) op.recordContent('system_instructions', system);
        op.recordContent('input', input);
        const tools = toolDefinitions(body.tools);
        if (tools !== undefined && tools.length > 0) op.recordContent('tool_definitions', tools);
      },
      handlers,
    };
  },
};

/** What a Responses API response says, as data (a pure mapping: core applies the policy). */
export function responsesReading(r: Record<string, unknown>): Reading {
  return {
    usage: responsesUsage(r.usage),
    id: typeof r.id === 'string' ? r.id : undefined,
    model: typeof r.model === 'string' ? r.model : undefined,
    finishReasons: [responsesFinishReason(r)],
    attributes: responseAttributes(r),
    output: () => responsesOutput(r),
  };
}

const handlers: ResultHandlers = {
  onResult(op, result) {
    if (isRecord(result)) op.read(responsesReading(result));
  },
  streamObserver(op) {
    return new ResponsesStreamObserver(op);
  },
};

// Events that carry model output; the first of them is the first token.
const OUTPUT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
  'response.custom_tool_call_input.delta',
  'response.audio.delta',
  'response.audio.transcript.delta',
  'response.code_interpreter_call_code.delta',
]);

const TERMINAL_STATUS: Record<string, string> = {
  'response.completed': 'completed',
  'response.incomplete': 'incomplete',
  'response.failed': 'failed',
};

class ResponsesStreamObserver implements StreamObserver {
  private last: Record<string, unknown> | undefined;
  private failure: { name: string; message: string } | undefined;

  constructor(private readonly op: Operation) {}

  onItem(event: unknown): boolean {
    if (!isRecord(event)) return true;
    const type = event.type;
    if (typeof type !== 'string') return true;
    if (OUTPUT_DELTAS.has(type)) {
      this.op.chunk();
    } else if (isRecord(event.response)) {
      // created / in_progress / completed / incomplete / failed each carry the response so far. The event
      // type is authoritative for the final state when a (hand-made or proxied) payload lacks `status`.
      const status = TERMINAL_STATUS[type];
      this.last =
        status !== undefined && event.response.status === undefined ? { ...event.response, status } : event.response;
      if (type === 'response.failed') {
        const error = isRecord(event.response.error) ? event.response.error : {};
        this.failure = {
          name: typeof error.code === 'string' ? error.code : 'response_failed',
          message: typeof error.message === 'string' ? error.message : 'the response failed',
        };
      }
    }
    return true;
  }

  onEnd(_outcome: StreamOutcome): void {
    if (this.last !== undefined) this.op.read(responsesReading(this.last));
    // The SDK does not throw for a failed response: the caller reads the status. The span still says so.
    if (this.failure !== undefined) this.op.fail(this.failure);
  }
}
