// freePort hands child processes ports that nothing else on the machine is handed by the kernel.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/ports.js';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

const listen = (port: number, host: string) =>
  new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host, exclusive: true }, () => resolve(s));
  });

describe('freePort', () => {
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

  it('never returns a port that is taken', async () => {
    // Hold every port freePort gave and keep asking: a taken port must be skipped, not returned.
    const held: Server[] = [];
    try {
      for (let i = 0; i < 30; i++) held.push(await listen(await freePort(), '127.0.0.1'));
    } finally {
      await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    }
    expect(held).toHaveLength(30);
  });
});
