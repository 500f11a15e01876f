import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Env, only } from '../scenario.js';
import type { ProviderAdapter, Sdk } from './adapter.js';
import { expectNoSpanEndedTwice, forMajor } from './major.js';

/** A recorded response, served byte for byte as the provider sent it (gzip and all). */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One recorded exchange, replayed through the real SDK. */
export interface CorpusCase {
  name: string;
  response: RecordedResponse;
  /** The path the SDK must request (the query string aside). */
  path: string;
  spanName?: string;
  /** The recorded request body: without instrumentation the SDK must send exactly this. */
  requestBody?: unknown;
  /** Makes the recorded call with a client of `mod` talking to `baseURL`; consumes streams. */
  call(mod: Sdk, baseURL: string): Promise<unknown>;
  /**
   * The span's attributes, computed from the recording independently of the package; undefined: absent.
   * Asymmetric matchers (`expect.closeTo`, `expect.any(Number)`) say what cannot be exact.
   */
  expected: Record<string, unknown>;
  /** What else the caller must have seen, e.g. the recorded message id. */
  checkResult?(result: unknown): void;
  /** With content capture on, the content attributes (parsed from their JSON); a second test when given. */
  captured?: Record<string, unknown>;
  /** More checks of the captured span's attributes, e.g. literal values a recording was made to show. */
  checkCaptured?(attributes: Record<string, unknown>): void;
}

const CONTENT_KEY = /messages|system_instructions|tool_definitions/;

interface ReplayServer {
  url: string;
  current: RecordedResponse | undefined;
  served: { method?: string; url?: string; body: string }[];
  close(): Promise<void>;
}

async function startReplayServer(): Promise<ReplayServer> {
  const replay: Omit<ReplayServer, 'url' | 'close'> = { current: undefined, served: [] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      replay.served.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8') });
      const rec = replay.current;
      if (rec === undefined) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('no recording selected');
        return;
      }
      res.writeHead(rec.status, { ...rec.headers, 'content-length': String(rec.body.length) });
      res.end(rec.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(replay, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/**
 * Real provider responses (recorded from the live API) replayed through the real SDK, with and without
 * instrumentation: the caller sees the same thing, the request is the recorded one, and the span says what
 * the recording says. The provider's test loads its recordings and computes the expectations.
 */
export function describeCorpusReplay(
  adapter: ProviderAdapter,
  env: Env,
  plan: readonly { major: string; cases: readonly CorpusCase[] }[],
): void {
  let replay: ReplayServer;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  beforeEach(() => {
    replay.served.length = 0;
    replay.current = undefined;
  });
  afterEach(expectNoSpanEndedTwice);

  describe.each(plan)('$major', ({ major, cases }) => {
    const run = forMajor(adapter, env, major);
    const sentBody = (plain: Record<string, unknown>, path: string) =>
      adapter.instrumentedBody?.(plain, { path, raw: false }) ?? plain;

    for (const c of cases) {
      it(c.name, async () => {
        replay.current = c.response;
        const { plain, instrumented } = await run.bothWays(() => c.call(run.mod, replay.url));
        expect(plain.ok, JSON.stringify(plain)).toBe(true);
        expect(instrumented).toEqual(plain);
        // Both runs reached the replay server with the recorded request.
        const [a, b] = replay.served;
        expect(replay.served).toHaveLength(2);
        expect(a.url?.split('?')[0]).toBe(c.path);
        expect({ ...b, body: JSON.parse(b.body) }).toEqual({ ...a, body: sentBody(JSON.parse(a.body), c.path) });
        if (c.requestBody !== undefined) expect(JSON.parse(a.body)).toEqual(c.requestBody);
        if (plain.ok) c.checkResult?.(plain.value);
        const span = only(run.ours());
        expect(span.status.code).toBe(0);
        if (c.spanName !== undefined) expect(span.name).toBe(c.spanName);
        const got = Object.fromEntries(Object.keys(c.expected).map((k) => [k, span.attributes[k]]));
        expect(got).toEqual(c.expected);
        // Capture is off by default: no content attribute at all.
        for (const k of Object.keys(span.attributes)) expect(k).not.toMatch(CONTENT_KEY);
      });

      const captured = c.captured;
      if (captured === undefined) continue;
      it(`${c.name}, content captured`, async () => {
        replay.current = c.response;
        const { plain, instrumented } = await run.bothWays(() => c.call(run.mod, replay.url), {
          captureContent: true,
        });
        expect(plain.ok, JSON.stringify(plain)).toBe(true);
        expect(instrumented).toEqual(plain);
        const a = only(run.ours()).attributes;
        const got = Object.fromEntries(
          Object.keys(captured).map((k) => [k, a[k] === undefined ? undefined : JSON.parse(a[k] as string)]),
        );
        expect(got).toEqual(captured);
        expect(a['promptscope.content.truncated']).toBeUndefined();
        c.checkCaptured?.(a);
      });
    }
  });
}
