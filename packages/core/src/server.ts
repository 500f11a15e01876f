/** `server.address` and `server.port` of an SDK client, from its `baseURL`; computed once per client. */
export interface ServerAddress {
  address: string | undefined;
  port: number | undefined;
}

const NONE: ServerAddress = Object.freeze({ address: undefined, port: undefined });
const cache = new WeakMap<object, ServerAddress>();

export function serverAddress(client: unknown): ServerAddress {
  if (client === null || typeof client !== 'object') return NONE;
  let server = cache.get(client);
  if (server === undefined) {
    server = parse((client as { baseURL?: unknown }).baseURL);
    cache.set(client, server);
  }
  return server;
}

function parse(baseURL: unknown): ServerAddress {
  if (typeof baseURL !== 'string') return NONE;
  try {
    const url = new URL(baseURL);
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { address: url.hostname, port };
  } catch {
    // No usable baseURL: leave the server attributes out rather than guess.
    return NONE;
  }
}
