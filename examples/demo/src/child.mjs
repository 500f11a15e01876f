/** Starts the demo app as a child process, instrumented the way users do it: `node --import`. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('./app.mjs', import.meta.url));

/**
 * Where `--import @promptscope/register` points, resolved from the demo's own dependencies.
 * @returns {string} a file URL
 */
export function resolveRegister() {
  return import.meta.resolve('@promptscope/register');
}

/**
 * The child's environment: the parent's, minus telemetry settings that would send data elsewhere,
 * plus the demo's.
 * @param {Record<string, string | undefined>} base
 * @param {Record<string, string | undefined>} demo
 */
export function childEnv(base, demo) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || /^OTEL_EXPORTER_OTLP_(TRACES|METRICS|LOGS)_ENDPOINT$/.test(k) || k === 'NODE_OPTIONS')
      continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(demo)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * @param {string} registerUrl
 * @param {Record<string, string>} env
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null }>}
 */
export function runApp(registerUrl, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', registerUrl, APP], { env, stdio: 'inherit' });
    const forward = () => child.kill('SIGTERM');
    process.once('SIGINT', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      resolve({ code, signal });
    });
  });
}
