import { bothWays as compare, type FakeProvider, type Outcome, withInstrumentation } from '@promptscope/testing';
import { calcPrice } from '@pydantic/genai-prices';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { instrument, type ManualOptions } from '../src/index.js';

export { diagnostics, only, sleep, stable } from '@promptscope/testing';
export { useEnv } from '@promptscope/testing/vitest';

/** `@aws-sdk/client-bedrock-runtime` lines in use, installed side by side as npm aliases (mid-2024, current). */
export const MAJORS = ['bedrock-runtime-v3-600', 'bedrock-runtime-v3'] as const;
export type Major = (typeof MAJORS)[number];

// biome-ignore lint/suspicious/noExplicitAny: each version has its own types; tests use the shared surface
export type Any = any;

export const ACCESS_KEY_ID = 'AKIDTEST';
export const SECRET_ACCESS_KEY = 'test-secret';

/**
 * Modules whose client speaks HTTP/2 by default (3.1178 uses `NodeHttp2Handler` for every command, for
 * its bidirectional stream). The fake provider is HTTP/1.1, so their clients get the SDK's HTTP/1.1
 * handler; the instrumentation sits above the transport (`send`) and is the same either way.
 */
const HTTP2_BY_DEFAULT = new WeakSet<object>();

export async function loadMajor(major: Major): Promise<Any> {
  const mod = await import(major);
  if (major === 'bedrock-runtime-v3') HTTP2_BY_DEFAULT.add(mod);
  return mod;
}

/** The module each client was made from, so `create` can build that module's command classes. */
const modules = new WeakMap<object, Any>();

export function client(
  mod: Any,
  fake: FakeProvider,
  accessKeyId = ACCESS_KEY_ID,
  opts: Record<string, unknown> = {},
): Any {
  const c = new mod.BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: fake.origin,
    credentials: { accessKeyId, secretAccessKey: SECRET_ACCESS_KEY },
    maxAttempts: 1,
    ...(HTTP2_BY_DEFAULT.has(mod) ? { requestHandler: new NodeHttpHandler() } : {}),
    ...opts,
  });
  modules.set(c, mod);
  return c;
}

export function moduleOf(c: Any): Any {
  return modules.get(c);
}

/** Calls a command by name on `c`; `send` is the SDK's own promise. */
export function send(c: Any, command: string, input: Record<string, unknown>, options?: Record<string, unknown>): Any {
  const Command = moduleOf(c)[command];
  return options === undefined ? c.send(new Command(input)) : c.send(new Command(input), options);
}

/** Decodes the JSON payload of a streamed invoke chunk. */
export function chunkJson(event: Any): Any {
  return event?.chunk?.bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(event.chunk.bytes));
}

export function instrumented<T = Any>(mod: Any, fn: () => Promise<T>, options: ManualOptions = {}): Promise<T> {
  return withInstrumentation(() => instrument(mod, options), fn);
}

export function bothWays<T>(
  mod: Any,
  scenario: () => Promise<T>,
  options: ManualOptions = {},
): Promise<{ plain: Outcome<T>; instrumented: Outcome<T> }> {
  return compare(() => instrument(mod, options), scenario);
}

/** genai-prices' own rates for `aws`, applied here rather than by core: input, cache reads and writes, output. */
export function listPrice(
  model: string,
  u: { input: number; cacheRead?: number; cacheWrite?: number; output: number },
) {
  const price = calcPrice({}, model, { providerId: 'aws' })?.model_price;
  if (price === undefined) throw new Error(`genai-prices has no aws/${model}`);
  const rate = (v: unknown, name: string) => {
    if (typeof v !== 'number') throw new Error(`expected a flat ${name} rate for ${model}`);
    return v;
  };
  return (
    (u.input * rate(price.input_mtok, 'input') +
      (u.cacheRead ? u.cacheRead * rate(price.cache_read_mtok, 'cache read') : 0) +
      (u.cacheWrite ? u.cacheWrite * rate(price.cache_write_mtok, 'cache write') : 0) +
      u.output * rate(price.output_mtok, 'output')) /
    1e6
  );
}
