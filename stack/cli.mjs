#!/usr/bin/env node
/**
 * `npm run stack -- up [--fast] | down | status`: the collector, Jaeger v2, Prometheus and Alertmanager as
 * native processes on 127.0.0.1 (no Docker). See stack/README.md.
 */
import { parseArgs } from 'node:util';
import { down, formatStatus, status, up } from './lib/stack.mjs';

const USAGE = `usage: npm run stack -- <command>

  up [--fast]   build/install what is missing, start collector, Jaeger, Prometheus and Alertmanager,
                wait until each is healthy (a no-op when already up). --fast: alert rules with a 1m window,
                for: 0s, 1s evaluation, a tiny cost budget, 1s Alertmanager grouping, fresh Prometheus data
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
    options: { fast: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || cmd === undefined || cmd === 'help') return console.log(USAGE);
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`);
  switch (cmd) {
    case 'up':
      await up({ fast: values.fast });
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
