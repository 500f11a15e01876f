// The fake provider on loopback, in its own process so its CPU is not counted in the measured child.
// Prints `BENCH_SERVER <url>` once listening; exits when stdin closes (the runner ends).
import { startFakeProvider } from '@promptscope/testing';
import { fakeScript } from './workloads.mjs';

const fp = await startFakeProvider({ defaultScript: fakeScript });
// The fake provider records every request for tests; forget them so a long run does not grow its memory.
setInterval(() => {
  fp.requests.length = 0;
}, 500).unref();
process.stdout.write(`BENCH_SERVER ${fp.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => fp.close().finally(() => process.exit(0)));
process.on('SIGTERM', () => fp.close().finally(() => process.exit(0)));
