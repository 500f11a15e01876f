// Ports for child processes (collectors, Jaeger, Prometheus) that a test starts and points at each other.
//
// Asking the kernel for port 0 and closing the socket hands back a port from the ephemeral range, which every
// outgoing connection and every in-process `listen(0)` of the other test workers draws from too: between the
// close and the child's own bind, something else may take it ("bind: address already in use", seen in CI).
// So these ports come from below the ephemeral range, where the kernel never assigns one on its own, chosen
// at random, checked by binding, and never handed out twice by one process.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const FALLBACK_EPHEMERAL_LOW = 32768;
const LOWEST = 10_000;
const given = new Set<number>();

/** The lowest port the kernel assigns on its own (Linux's ip_local_port_range), 32768 where unknown. */
function ephemeralLow(): number {
  try {
    const low = Number.parseInt(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0] ?? '',
      10,
    );
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : FALLBACK_EPHEMERAL_LOW;
  } catch {
    return FALLBACK_EPHEMERAL_LOW;
  }
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A port that is free on every one of `hosts` (default 127.0.0.1) for a child process to listen on. Distinct
 * across calls in this process; outside the kernel's ephemeral range, so no connection or `listen(0)` takes it.
 */
export async function freePort(hosts: string | string[] = '127.0.0.1'): Promise<number> {
  const on = typeof hosts === 'string' ? [hosts] : hosts;
  const high = ephemeralLow() - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST + 1));
    if (given.has(port)) continue;
    given.add(port);
    if ((await Promise.all(on.map((h) => bindable(port, h)))).every(Boolean)) return port;
  }
  throw new Error(`freePort: no port between ${LOWEST} and ${high} is free on ${on.join(', ')} after 200 tries`);
}
