/** Where the stack keeps its binaries, state, configs, logs and pids. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (stack/ lives directly under it). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const STACK_DIR = join(REPO_ROOT, 'stack');

/** @param {NodeJS.ProcessEnv} [env] */
export function cacheDir(env = process.env) {
  return env.PROMPTSCOPE_CACHE_DIR || join(homedir(), '.cache', 'promptscope');
}

/** Built binaries (Jaeger; the collector's own build decides where its binary goes). */
export function binDir(env = process.env) {
  return join(cacheDir(env), 'bin');
}

/** @param {NodeJS.ProcessEnv} [env] */
export function stateDir(env = process.env) {
  return env.PROMPTSCOPE_STATE_DIR || join(cacheDir(env), 'stack');
}

/** @param {string} state */
export function layout(state) {
  return {
    state,
    pids: join(state, 'pids'),
    logs: join(state, 'logs'),
    config: join(state, 'config'),
    data: join(state, 'data'),
    meta: join(state, 'stack.json'),
  };
}
