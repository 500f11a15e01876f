// freePort hands child processes ports that nothing else on the machine is handed by the kernel.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../src/ports.js';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

const listen = (port: number, host: string) =>
  new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host, exclusive: true }, () => resolve(s));
  });

describe('freePort', () => {
  afterEach(() => vi.restoreAllMocks());

  // First in the file, while this module has handed out no port: the held port is skipped by the bind check.
  it('skips a port something else is listening on', async () => {
    const span = ephemeralLow - 10_000;
    const draw = (port: number) => (port - 10_000 + 0.5) / span; // the Math.random() value that picks `port`
    let held: Server | undefined;
    let heldPort = 0;
    for (let p = 20_000; held === undefined; p++) {
      held = await listen(p, '127.0.0.1').catch(() => undefined);
      heldPort = p;
    }
    try {
      const other = heldPort + 1000;
      vi.spyOn(Math, 'random').mockReturnValueOnce(draw(heldPort)).mockReturnValueOnce(draw(other));
      expect(await freePort()).toBe(other);
    } finally {
      await new Promise((r) => held.close(r));
    }
  });

  it('gives distinct ports below the ephemeral range, each one bindable', async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    expect(new Set(ports).size).toBe(40);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(10_000);
      expect(p).toBeLessThan(ephemeralLow);
    }
    const servers = await Promise.all(ports.map((p) => listen(p, '127.0.0.1')));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('gives a port free on every host asked for', async () => {
    const hosts = ['127.0.0.1', '127.0.1.201', '127.0.1.202'];
    const port = await freePort(hosts);
    const servers = await Promise.all(hosts.map((h) => listen(port, h)));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('gives 30 ports in a row that can all be held at once', async () => {
    // Hold every port freePort gave and keep asking: a port given before is never given again.
    const held: Server[] = [];
    try {
      for (let i = 0; i < 30; i++) held.push(await listen(await freePort(), '127.0.0.1'));
    } finally {
      await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    }
    expect(held).toHaveLength(30);
  });
});
