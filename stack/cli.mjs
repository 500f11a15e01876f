#!/usr/bin/env node
/**
 * `npm run stack -- up [--fast] [--gateways N] | down | status`: an agent and N gateways (or one collector),
 * Jaeger v2, Prometheus and Alertmanager as native processes on loopback (no Docker). See stack/README.md.
 */
import { parseArgs } from 'node:util';
import { down, formatStatus, status, up } from './lib/stack.mjs';

const USAGE = `usage: npm run stack -- <command>

  up [--fast] [--gateways N]
                build/install what is missing, start Alertmanager, Prometheus, Jaeger, N gateways and the
                agent in front of them, wait until each is healthy (a no-op when already up).
                --gateways N: 1 (default) to 9; 0 runs one collector instead of the two tiers.
                --fast: alert rules with a 1m window, for: 0s, 1s evaluation, a tiny cost budget,
                1s Alertmanager grouping, fresh Prometheus, Jaeger and queue data
  down          stop every component by the pid in its pidfile (SIGTERM, SIGKILL after 10 s)
  status        component, pid, address, healthy (exit 1 unless all are healthy)`;

// A closed stdout (`npm run stack -- up | head`) must not abort `up` halfway through starting processes.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EPIPE') throw err;
  });
}

async function main() {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      fast: { type: 'boolean', default: false },
      gateways: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || cmd === undefined || cmd === 'help') return console.log(USAGE);
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`);
  switch (cmd) {
    case 'up':
      if (!/^\d+$/.test(values.gateways))
        throw new Error(`--gateways takes a number, got ${values.gateways}\n${USAGE}`);
      await up({ fast: values.fast, gateways: Number(values.gateways) });
      return;
    case 'down':
      await down();
      return;
    case 'status': {
      const rows = await status();
      console.log(formatStatus(rows));
      if (!rows.every((r) => r.healthy)) process.exitCode = 1;
      return;
    }
    default:
      throw new Error(`unknown command ${cmd}\n${USAGE}`);
  }
}

main().catch((err) => {
  console.error(`[stack] ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
