import type { Attributes } from '@opentelemetry/api';
import { ATTR, PROVIDER, providerOfBaseURL, serverAddress } from '@promptscope/core/provider';

/** The parts of an `openai` client instance we read. */
export interface ClientLike {
  baseURL?: unknown;
  constructor?: { name?: string };
}

export interface Server {
  provider: string;
  address: string | undefined;
  port: number | undefined;
}

const providers = new WeakMap<object, Server>();

/**
 * Provider and server from the client: `AzureOpenAI` is `azure.ai.openai`; any other client is named from its
 * `baseURL` (OpenAI-compatible servers, see core's provider-url), and `fallback` when the URL is not
 * recognised: `openai` for the openai SDK, `groq` or `together` for the SDK that made the client (a loopback
 * proxy or test server says nothing, but a `groq-sdk` client only ever speaks Groq's API).
 */
export function serverOf(client: ClientLike | undefined, fallback: string = PROVIDER.OPENAI): Server {
  if (client === undefined || client === null || typeof client !== 'object') {
    return { provider: fallback, address: undefined, port: undefined };
  }
  let server = providers.get(client);
  if (server === undefined) {
    const { address, port } = serverAddress(client);
    const azure =
      client.constructor?.name === 'AzureOpenAI' ||
      (address !== undefined &&
        (address.endsWith('.openai.azure.com') || address.endsWith('.cognitiveservices.azure.com')));
    const provider = azure ? PROVIDER.AZURE_OPENAI : (providerOfBaseURL(client.baseURL) ?? fallback);
    server = { provider, address, port };
    providers.set(client, server);
  }
  return server;
}

/** Request parameters shared by Chat Completions and Responses, mapped to the conventions. */
export function requestAttributes(body: Record<string, unknown>, apiType: string): Attributes {
  const a: Attributes = { [ATTR.OPENAI_API_TYPE]: apiType };
  num(a, ATTR.REQUEST_MAX_TOKENS, body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens);
  num(a, ATTR.REQUEST_TEMPERATURE, body.temperature);
  num(a, ATTR.REQUEST_TOP_P, body.top_p);
  num(a, ATTR.REQUEST_FREQUENCY_PENALTY, body.frequency_penalty);
  num(a, ATTR.REQUEST_PRESENCE_PENALTY, body.presence_penalty);
  num(a, ATTR.REQUEST_SEED, body.seed);
  if (typeof body.n === 'number' && body.n !== 1) a[ATTR.REQUEST_CHOICE_COUNT] = body.n;
  const stop = body.stop;
  if (typeof stop === 'string') a[ATTR.REQUEST_STOP_SEQUENCES] = [stop];
  else if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) a[ATTR.REQUEST_STOP_SEQUENCES] = stop;
  const effort =
    body.reasoning_effort ?? (body.reasoning as { effort?: unknown } | undefined | null)?.effort ?? undefined;
  if (typeof effort === 'string') a[ATTR.REQUEST_REASONING_LEVEL] = effort;
  if (typeof body.service_tier === 'string' && body.service_tier !== 'auto') {
    a[ATTR.OPENAI_REQUEST_SERVICE_TIER] = body.service_tier;
  }
  if (typeof body.previous_response_id === 'string') a[ATTR.REQUEST_PREVIOUS_RESPONSE_ID] = body.previous_response_id;
  const format =
    (body.response_format as { type?: unknown } | undefined | null)?.type ??
    ((body.text as { format?: { type?: unknown } } | undefined | null)?.format?.type as unknown);
  if (format === 'json_object' || format === 'json_schema') a[ATTR.OUTPUT_TYPE] = 'json';
  else if (format === 'text') a[ATTR.OUTPUT_TYPE] = 'text';
  return a;
}

function num(a: Attributes, key: string, v: unknown): void {
  if (typeof v === 'number' && Number.isFinite(v)) a[key] = v;
}

/** Response attributes the OpenAI refinement adds. */
export function responseAttributes(r: {
  service_tier?: unknown;
  system_fingerprint?: unknown;
}): Attributes | undefined {
  let a: Attributes | undefined;
  if (typeof r.service_tier === 'string') (a ??= {})[ATTR.OPENAI_RESPONSE_SERVICE_TIER] = r.service_tier;
  if (typeof r.system_fingerprint === 'string')
    (a ??= {})[ATTR.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = r.system_fingerprint;
  return a;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}
