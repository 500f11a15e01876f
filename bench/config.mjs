// Where the benchmark lives and what it measures: shared by the runner and its report.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = resolve(BENCH, '..');
export const NM = join(BENCH, 'node_modules');
export const STAMP = join(NM, '.bench-stamp');
export const LINKED = ['core', 'instrumentation-openai', 'instrumentation-anthropic', 'testing'];
export const VARIANTS = ['baseline', 'promptscope', 'otel-contrib', 'traceloop', 'openinference'];
export const OTHERS = ['otel-contrib', 'traceloop', 'openinference'];
export const TRANSPORTS = ['inproc', 'loopback'];
export const LONG_CALLS = 100_000;
