/**
 * An OTLP/HTTP tee: the app exports to it, and it forwards every request both to the demo's own
 * receiver (which the summary reads) and to a user-given endpoint such as a collector.
 */
import { createServer } from 'node:http';

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * @param {string} localUrl the demo's receiver, e.g. http://127.0.0.1:4318
 * @param {string} remoteUrl where telemetry should also go (base URL; /v1/<signal> is appended by the app)
 * @returns {Promise<{ url: string, remoteFailures: () => number, close: () => Promise<void> }>}
 */
export async function startTee(localUrl, remoteUrl) {
  let failures = 0;
  let warned = false;
  const remoteBase = remoteUrl.replace(/\/+$/, '');

  const server = createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = Buffer.concat(chunks);
      /** @type {Record<string, string>} */
      const headers = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
      }
      const path = req.url ?? '/';
      const init = { method: req.method, headers, body };
      const remote = fetch(remoteBase + path, { ...init, signal: AbortSignal.timeout(5000) }).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
      });
      remote.catch((err) => {
        failures++;
        if (!warned) {
          warned = true;
          console.warn(
            `[demo] could not forward telemetry to ${remoteBase}${path}: ${err.cause?.message ?? err.message}`,
          );
        }
      });
      const local = await fetch(localUrl.replace(/\/+$/, '') + path, init);
      await remote.catch(() => {});
      res.writeHead(local.status, { 'content-type': local.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(Buffer.from(await local.arrayBuffer()));
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tee failed: ${err instanceof Error ? err.message : err}`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    remoteFailures: () => failures,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}
