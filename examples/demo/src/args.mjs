/** Command-line options of `node examples/demo/src/main.mjs`. */
import { parseArgs } from 'node:util';

export const USAGE = `usage: node examples/demo/src/main.mjs [--calls N] [--seed N] [--real] [--endpoint URL]

  --calls N       completions to make (default 60; 6 with --real)
  --seed N        seed of the call mix and injected faults (default 7)
  --real          call api.openai.com (needs OPENAI_API_KEY) instead of the fake provider
  --endpoint URL  also send telemetry to this OTLP/HTTP endpoint, e.g. a collector on
                  http://localhost:4318 (default: OTEL_EXPORTER_OTLP_ENDPOINT, if set)`;

/**
 * @typedef {object} DemoOptions
 * @property {number} calls
 * @property {number} seed
 * @property {boolean} real
 * @property {string | undefined} endpoint
 */

/**
 * @param {string[]} argv arguments after the script name
 * @param {Record<string, string | undefined>} env
 * @returns {DemoOptions | { help: true } | { error: string }}
 */
export function readOptions(argv, env) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        calls: { type: 'string' },
        seed: { type: 'string' },
        real: { type: 'boolean', default: false },
        endpoint: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { help: true };
  const real = values.real === true;
  const calls = values.calls === undefined ? (real ? 6 : 60) : Number(values.calls);
  if (!Number.isInteger(calls) || calls < 1)
    return { error: `--calls must be a positive integer, got ${values.calls}` };
  const seed = values.seed === undefined ? 7 : Number(values.seed);
  if (!Number.isInteger(seed)) return { error: `--seed must be an integer, got ${values.seed}` };
  const endpoint = values.endpoint ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined);
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
    return { error: `--endpoint must be an http(s) URL such as http://localhost:4318, got ${endpoint}` };
  }
  if (real && !env.OPENAI_API_KEY) return { error: '--real needs OPENAI_API_KEY in the environment' };
  return { calls, seed, real, endpoint };
}
