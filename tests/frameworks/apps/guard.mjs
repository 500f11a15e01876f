// Shared by the apps: any fetch that leaves loopback is refused and recorded, so a test can assert that
// a framework never phoned home (e.g. a tracing exporter), and the app's own optional OTel span.
import { trace } from '@opentelemetry/api';

export const offLoopback = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    offLoopback.push(url.origin);
    return Promise.reject(new Error(`frameworks app: no network beyond loopback (${url.origin})`));
  }
  return realFetch(input, init);
};

/** Runs fn inside an app span when APP_SPAN=1 (a no-op tracer without an SDK), else as is. */
export function maybeInAppSpan(fn) {
  if (process.env.APP_SPAN !== '1') return fn();
  return trace.getTracer('frameworks-app').startActiveSpan('app.handle', async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

export function print(result) {
  console.log(JSON.stringify({ ok: true, offLoopback, ...result }));
}
