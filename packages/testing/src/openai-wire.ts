import { embeddingFor, toBase64Float32 } from './embedding-vectors.js';
import { randomAlnum, randomHex, unixSeconds } from './ids.js';
import {
  DEFAULT_CHUNKS,
  DEFAULT_EMBEDDING_DIMENSIONS,
  type ResolvedUsage,
  resolveContent,
  resolveFinishReason,
  resolveUsage,
  type Script,
  splitEvenly,
} from './script.js';
import { type ErrorKind, type RouteContext, type WireFormat, type WireReply, WireRequestError } from './server.js';
import type { SseFrame } from './sse.js';

/*
 * OpenAI wire format, modelled on recorded api.openai.com traffic: field names, field order,
 * SSE framing and the usage chunk follow the real service so SDK parsers and instrumentations
 * see what they would see in production.
 */

const DONE = 'data: [DONE]\n\n';

interface ToolCallOut {
  id: string;
  name: string;
  arguments: string;
}

function modelFor(ctx: RouteContext): string {
  return ctx.script.model ?? ctx.body?.model ?? ctx.params.deployment ?? 'gpt-4o-mini';
}

function requireObjectBody(ctx: RouteContext): void {
  if (ctx.body === null || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) {
    throw new WireRequestError(
      `We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)`,
    );
  }
}

function toolCallsOf(script: Script, prefix: string): ToolCallOut[] {
  return (script.toolCalls ?? []).map((call) => ({
    id: call.id ?? `${prefix}${randomAlnum(24)}`,
    name: call.name,
    arguments: call.arguments,
  }));
}

function chunkCount(script: Script): number {
  return Math.max(1, script.chunks ?? DEFAULT_CHUNKS);
}

// ---------------------------------------------------------------- chat completions

function chatUsage(u: ResolvedUsage) {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.total,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function choiceCount(body: { n?: unknown } | undefined): number {
  const n = Number(body?.n ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** OpenAI-compatible hosts whose streams carry usage unasked: Groq in `x_groq.usage`, Together in `usage`. */
type UsageUnasked = 'groq' | 'together';

function chatCompletion(ctx: RouteContext, unasked?: UsageUnasked): WireReply {
  requireObjectBody(ctx);
  const { script, body } = ctx;
  const id = script.id ?? `chatcmpl-${randomAlnum(29)}`;
  const created = unixSeconds();
  const model = modelFor(ctx);
  const content = resolveContent(script);
  const finishReason = resolveFinishReason(script);
  const toolCalls = toolCallsOf(script, 'call_');
  const usage = resolveUsage(script);
  const serviceTier = body.service_tier && body.service_tier !== 'auto' ? body.service_tier : 'default';
  const n = choiceCount(body);

  if (!body.stream) {
    const choices = Array.from({ length: n }, (_, index) => ({
      index,
      message: {
        role: 'assistant',
        content,
        ...(toolCalls.length
          ? {
              tool_calls: toolCalls.map((c) => ({
                id: c.id,
                type: 'function',
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: finishReason,
    }));
    return {
      type: 'json',
      body: {
        id,
        object: 'chat.completion',
        created,
        model,
        choices,
        usage: chatUsage(usage),
        service_tier: serviceTier,
        system_fingerprint: null,
      },
    };
  }

  // The real API adds `usage: null` to every chunk only when usage was requested, and omits the key otherwise.
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], content = false): SseFrame => ({
    data: {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: serviceTier,
      system_fingerprint: null,
      choices,
      ...(includeUsage ? { usage: null } : {}),
    },
    content,
  });
  const choice = (index: number, delta: unknown, finish: string | null = null) => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finish,
  });

  const frames: SseFrame[] = [];
  for (let i = 0; i < n; i++) {
    const roleDelta =
      content === null ? { role: 'assistant', content: null } : { role: 'assistant', content: '', refusal: null };
    frames.push(chunk([choice(i, roleDelta)]));
  }
  for (const piece of content === null ? [] : splitEvenly(content, chunkCount(script))) {
    for (let i = 0; i < n; i++) frames.push(chunk([choice(i, { content: piece })], true));
  }
  for (let i = 0; i < n; i++) {
    toolCalls.forEach((call, callIndex) => {
      frames.push(
        chunk([
          choice(i, {
            tool_calls: [
              { index: callIndex, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
            ],
          }),
        ]),
      );
      for (const fragment of splitEvenly(call.arguments, chunkCount(script))) {
        frames.push(
          chunk([choice(i, { tool_calls: [{ index: callIndex, function: { arguments: fragment } }] })], true),
        );
      }
    });
  }
  for (let i = 0; i < n; i++) frames.push(chunk([choice(i, {}, finishReason)]));
  const finalChunk = frames[frames.length - 1].data as Record<string, unknown>;
  if (unasked === 'groq') finalChunk.x_groq = { id: `req_${randomAlnum(26)}`, usage: chatUsage(usage) };
  else if (unasked === 'together') finalChunk.usage = chatUsage(usage);
  if (includeUsage) {
    const last = chunk([]);
    (last.data as Record<string, unknown>).usage = chatUsage(usage);
    frames.push(last);
  }
  return { type: 'sse', frames, terminator: DONE };
}

// ---------------------------------------------------------------- responses

function responsesUsage(u: ResolvedUsage) {
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.total,
  };
}

/** Maps a chat-style finish reason onto the Responses API's status vocabulary. */
function responsesStatus(finishReason: string): { status: string; incomplete_details: unknown } {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

function responseEnvelope(ctx: RouteContext, id: string, createdAt: number) {
  const b = ctx.body;
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null as unknown,
    instructions: b.instructions ?? null,
    max_output_tokens: b.max_output_tokens ?? null,
    model: modelFor(ctx),
    output: [] as unknown[],
    parallel_tool_calls: b.parallel_tool_calls ?? true,
    previous_response_id: b.previous_response_id ?? null,
    reasoning: { effort: b.reasoning?.effort ?? null, summary: b.reasoning?.summary ?? null },
    service_tier: b.service_tier && b.service_tier !== 'auto' ? b.service_tier : 'default',
    store: b.store ?? true,
    temperature: b.temperature ?? 1.0,
    text: b.text ?? { format: { type: 'text' } },
    tool_choice: b.tool_choice ?? 'auto',
    tools: b.tools ?? [],
    top_p: b.top_p ?? 1.0,
    truncation: b.truncation ?? 'disabled',
    usage: null as unknown,
    user: b.user ?? null,
    metadata: b.metadata ?? {},
  };
}

function response(ctx: RouteContext): WireReply {
  requireObjectBody(ctx);
  const { script } = ctx;
  const id = script.id ?? `resp_${randomHex(50)}`;
  const envelope = responseEnvelope(ctx, id, unixSeconds());
  const content = resolveContent(script);
  const calls = toolCallsOf(script, 'call_');
  const usage = responsesUsage(resolveUsage(script));
  const { status, incomplete_details } = responsesStatus(resolveFinishReason(script));

  const messageId = `msg_${randomHex(50)}`;
  const textPart = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text });
  const messageItem = (text: string, itemStatus: string) => ({
    id: messageId,
    type: 'message',
    status: itemStatus,
    content: itemStatus === 'completed' ? [textPart(text)] : [],
    role: 'assistant',
  });
  const callItems = calls.map((c) => ({ id: `fc_${randomHex(50)}`, call: c }));
  const callItem = (item: (typeof callItems)[number], itemStatus: string, args: string) => ({
    id: item.id,
    type: 'function_call',
    status: itemStatus,
    arguments: args,
    call_id: item.call.id,
    name: item.call.name,
  });

  const finalOutput = [
    ...(content === null ? [] : [messageItem(content, 'completed')]),
    ...callItems.map((c) => callItem(c, 'completed', c.call.arguments)),
  ];
  const finalResponse = { ...envelope, status, incomplete_details, output: finalOutput, usage };

  if (!ctx.body.stream) return { type: 'json', body: finalResponse };

  let sequence = 0;
  const frames: SseFrame[] = [];
  const emit = (type: string, fields: Record<string, unknown>, contentFrame = false) => {
    frames.push({ event: type, data: { type, sequence_number: sequence++, ...fields }, content: contentFrame });
  };

  emit('response.created', { response: envelope });
  emit('response.in_progress', { response: envelope });
  let outputIndex = 0;
  if (content !== null) {
    const output_index = outputIndex++;
    const item_id = messageId;
    emit('response.output_item.added', { output_index, item: messageItem('', 'in_progress') });
    emit('response.content_part.added', { item_id, output_index, content_index: 0, part: textPart('') });
    for (const delta of splitEvenly(content, chunkCount(script))) {
      emit('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] }, true);
    }
    emit('response.output_text.done', { item_id, output_index, content_index: 0, text: content, logprobs: [] });
    emit('response.content_part.done', { item_id, output_index, content_index: 0, part: textPart(content) });
    emit('response.output_item.done', { output_index, item: messageItem(content, 'completed') });
  }
  for (const item of callItems) {
    const output_index = outputIndex++;
    emit('response.output_item.added', { output_index, item: callItem(item, 'in_progress', '') });
    for (const delta of splitEvenly(item.call.arguments, chunkCount(script))) {
      emit('response.function_call_arguments.delta', { item_id: item.id, output_index, delta }, true);
    }
    emit('response.function_call_arguments.done', {
      item_id: item.id,
      output_index,
      name: item.call.name,
      arguments: item.call.arguments,
    });
    emit('response.output_item.done', { output_index, item: callItem(item, 'completed', item.call.arguments) });
  }
  emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: finalResponse });
  // The Responses API ends its stream after the terminal event; it sends no [DONE] sentinel.
  return { type: 'sse', frames };
}

// ---------------------------------------------------------------- embeddings

function embeddings(ctx: RouteContext): WireReply {
  requireObjectBody(ctx);
  const { body, script } = ctx;
  const input = body.input;
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0)) {
    throw new WireRequestError("'input' is a required property and must not be empty");
  }
  // A flat array of numbers is one tokenized input, not many.
  const inputs: unknown[] =
    typeof input === 'string' || (Array.isArray(input) && input.every((x) => typeof x === 'number')) ? [input] : input;
  const dimensions = script.embeddingDimensions ?? body.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
  const base64 = body.encoding_format === 'base64';
  const usage = resolveUsage(script);
  return {
    type: 'json',
    body: {
      object: 'list',
      data: inputs.map((item, index) => {
        const vector = script.embeddings?.[index] ?? embeddingFor(item, dimensions);
        return { object: 'embedding', index, embedding: base64 ? toBase64Float32(vector) : vector };
      }),
      model: modelFor(ctx),
      usage: { prompt_tokens: usage.input, total_tokens: usage.input },
    },
  };
}

// ---------------------------------------------------------------- errors and headers

function errorBody(kind: ErrorKind, status: number, message?: string): unknown {
  const error = (msg: string, type: string, code: string | null) => ({
    error: { message: message ?? msg, type, param: null, code },
  });
  switch (kind) {
    case 'rate_limit':
      return error(
        'Rate limit reached for requests. Please try again in 1s. (fake provider)',
        'requests',
        'rate_limit_exceeded',
      );
    case 'server_error':
      return error('The server had an error while processing your request. Sorry about that!', 'server_error', null);
    case 'unavailable':
      return error('The engine is currently overloaded, please try again later', 'server_error', null);
    case 'not_found':
      return error('Invalid URL', 'invalid_request_error', null);
    case 'bad_request':
      return error('Invalid request', 'invalid_request_error', null);
    default:
      return error(
        `Scripted HTTP ${status} from the fake provider`,
        status >= 500 ? 'server_error' : 'invalid_request_error',
        null,
      );
  }
}

const DEPLOYMENT = '/openai/deployments/(?<deployment>[^/]+)';

export const openAiWire: WireFormat = {
  name: 'openai',
  routes: [
    { method: 'POST', pattern: /^\/v1\/chat\/completions$/, handle: chatCompletion },
    { method: 'POST', pattern: /^\/v1\/responses$/, handle: response },
    { method: 'POST', pattern: /^\/v1\/embeddings$/, handle: embeddings },
    // Azure OpenAI: deployment-scoped paths (api-version in the query) and the newer /openai/v1 surface.
    { method: 'POST', pattern: new RegExp(`^${DEPLOYMENT}/chat/completions$`), handle: chatCompletion },
    { method: 'POST', pattern: new RegExp(`^${DEPLOYMENT}/responses$`), handle: response },
    { method: 'POST', pattern: new RegExp(`^${DEPLOYMENT}/embeddings$`), handle: embeddings },
    { method: 'POST', pattern: /^\/openai\/v1\/chat\/completions$/, handle: chatCompletion },
    { method: 'POST', pattern: /^\/openai\/v1\/responses$/, handle: response },
    { method: 'POST', pattern: /^\/openai\/v1\/embeddings$/, handle: embeddings },
    // Groq's host (`baseURL: origin + '/groq'`) and Together's (`origin + '/together/v1'`).
    { method: 'POST', pattern: /^\/groq\/openai\/v1\/chat\/completions$/, handle: (c) => chatCompletion(c, 'groq') },
    { method: 'POST', pattern: /^\/groq\/openai\/v1\/embeddings$/, handle: embeddings },
    { method: 'POST', pattern: /^\/together\/v1\/chat\/completions$/, handle: (c) => chatCompletion(c, 'together') },
    { method: 'POST', pattern: /^\/together\/v1\/embeddings$/, handle: embeddings },
  ],
  errorBody,
  responseHeaders: () => ({
    'x-request-id': `req_${randomHex(32)}`,
    'openai-version': '2020-10-01',
    'openai-processing-ms': '1',
  }),
};
