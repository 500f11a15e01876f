import { PROVIDER } from '@promptscope/core/provider';

/**
 * Anthropic's cloud clients: `AnthropicVertex` (`@anthropic-ai/vertex-sdk`) and `AnthropicBedrock`
 * (`@anthropic-ai/bedrock-sdk`). Each builds their `messages` and `beta` resources from `@anthropic-ai/sdk`'s
 * own classes (a nested copy, or the app's hoisted one, depending on the install), so the Messages mapping
 * serves them unchanged; only the provider name differs, and it is told from the client, never the URL.
 */

type Obj = Record<string, unknown>;

/**
 * `gen_ai.provider.name` of the client a Messages call was made on. `AnthropicVertex` keeps its own
 * settings as instance properties (`projectId` and `region`), `AnthropicBedrock` its AWS ones (`awsRegion`);
 * the plain `Anthropic` client has none of them.
 */
export function providerOfClient(client: unknown): string {
  if (client === null || typeof client !== 'object') return PROVIDER.ANTHROPIC;
  const c = client as Obj;
  if ('projectId' in c && 'region' in c) return PROVIDER.GCP_VERTEX_AI;
  if ('awsRegion' in c) return PROVIDER.AWS_BEDROCK;
  return PROVIDER.ANTHROPIC;
}

const roots = new WeakMap<object, Obj | null>();

/**
 * Where the targets' paths start for a cloud client: its `Messages` and `Beta` classes. The SDK does not export
 * them (they live in whichever `@anthropic-ai/sdk` the SDK resolved), and the client sets its resources in
 * its constructor, so we read them off a throwaway client built with offline settings: it makes no request
 * and asks no credential provider (probe settings are never used for a call).
 */
export function cloudClientRoot(moduleExports: unknown, className: string, probe: Obj): Obj | undefined {
  const m = moduleExports as Obj | undefined;
  if (m === undefined || m === null) return undefined;
  const named = m[className];
  const cls = [named, m.default, m].find(
    (c) => typeof c === 'function' && (c === named || (c as { name?: unknown }).name === className),
  ) as (new (opts: Obj) => Obj) | undefined;
  if (cls === undefined) return undefined;
  let root = roots.get(cls);
  if (root === undefined) {
    root = null;
    try {
      const client = new cls(probe);
      const messages = (client.messages as { constructor?: unknown } | undefined)?.constructor;
      const beta = (client.beta as { constructor?: unknown } | undefined)?.constructor;
      if (typeof messages === 'function') root = { Messages: messages, Beta: beta };
    } catch {
      // An SDK whose constructor wants more than we give it: nothing to patch, and `instrument()` says so.
    }
    roots.set(cls, root);
  }
  return root ?? undefined;
}

/** An auth client that answers at once: the probe never calls it, and never reaches Google. */
const OFFLINE_GOOGLE_AUTH = { getRequestHeaders: async () => new Headers() };

export const VERTEX_PROBE: Obj = {
  region: 'us-east5',
  projectId: 'promptscope-probe',
  baseURL: 'http://127.0.0.1:9/v1',
  authClient: OFFLINE_GOOGLE_AUTH,
};

/** Static AWS keys: the probe signs nothing and asks no credential provider. */
export const BEDROCK_PROBE: Obj = {
  awsRegion: 'us-east-1',
  awsAccessKey: 'promptscope-probe',
  awsSecretKey: 'promptscope-probe',
  baseURL: 'http://127.0.0.1:9',
};
