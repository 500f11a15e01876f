/**
 * Native processes of the stack: started detached with their output in a log file, tracked by a pidfile,
 * stopped by that pid only (SIGTERM, then SIGKILL after a grace period). A pid is only trusted while
 * /proc/<pid>/cmdline still starts with the binary we started, so a reused pid is never signalled.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * @typedef {object} PidRecord
 * @property {number} pid
 * @property {string} bin
 * @property {string[]} args
 * @property {string} log
 * @property {string} startedAt
 */

/**
 * @param {{ name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string,
 *   pidDir: string, logDir: string }} spec
 * @returns {PidRecord}
 */
export function startProcess({ name, bin, args, env = process.env, cwd, pidDir, logDir }) {
  mkdirSync(pidDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  writeFileSync(fd, `\n=== ${new Date().toISOString()} ${bin} ${args.join(' ')}\n`);
  let child;
  try {
    child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
  } finally {
    closeSync(fd);
  }
  child.on('error', () => {}); // reported below through the missing pid / dead process
  if (child.pid === undefined) throw new Error(`${name}: could not start ${bin} (see ${log})`);
  child.unref();
  /** @type {PidRecord} */
  const rec = { pid: child.pid, bin, args, log, startedAt: new Date().toISOString() };
  writeFileSync(pidFile(pidDir, name), `${JSON.stringify(rec, null, 2)}\n`);
  return rec;
}

/** @param {string} pidDir @param {string} name */
export function pidFile(pidDir, name) {
  return join(pidDir, `${name}.json`);
}

/**
 * @param {string} pidDir
 * @param {string} name
 * @returns {PidRecord | undefined}
 */
export function readPid(pidDir, name) {
  const f = pidFile(pidDir, name);
  if (!existsSync(f)) return undefined;
  try {
    const rec = JSON.parse(readFileSync(f, 'utf8'));
    return Number.isInteger(rec.pid) && rec.pid > 0 ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} pidDir @param {string} name */
export function removePid(pidDir, name) {
  rmSync(pidFile(pidDir, name), { force: true });
}

/**
 * Whether `rec.pid` is alive and still the process we started (not a zombie, not a reused pid).
 * @param {PidRecord | undefined} rec
 */
export function isAlive(rec) {
  if (rec === undefined) return false;
  try {
    process.kill(rec.pid, 0);
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM' && sameCommand(rec);
  }
  return sameCommand(rec) && !isZombie(rec.pid);
}

/**
 * Whether a process we have just spawned is still running. Unlike `isAlive` it does not compare the command
 * line: between fork and exec /proc still shows the parent's, which on a loaded machine made a healthy
 * Prometheus look as if it had exited during startup.
 * @param {PidRecord} rec
 */
export function isStarting(rec) {
  try {
    process.kill(rec.pid, 0);
  } catch {
    return false;
  }
  return !isZombie(rec.pid);
}

/** @param {PidRecord} rec */
function sameCommand(rec) {
  try {
    const argv0 = readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === rec.bin;
  } catch {
    return false; // no /proc entry: gone
  }
}

/** @param {number} pid */
function isZombie(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves with how it ended.
 * @param {PidRecord} rec
 * @param {number} [graceMs]
 * @returns {Promise<'not running' | 'terminated' | 'killed'>}
 */
export async function stopProcess(rec, graceMs = 10_000) {
  if (!isAlive(rec)) return 'not running';
  signal(rec.pid, 'SIGTERM');
  if (await waitGone(rec, graceMs)) return 'terminated';
  signal(rec.pid, 'SIGKILL');
  if (await waitGone(rec, 5000)) return 'killed';
  throw new Error(`pid ${rec.pid} (${rec.bin}) survived SIGKILL`);
}

/** @param {number} pid @param {NodeJS.Signals} sig */
function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ESRCH') throw err;
  }
}

/** @param {PidRecord} rec @param {number} ms */
async function waitGone(rec, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(rec)) return true;
    await sleep(100);
  }
  return !isAlive(rec);
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Whether something already listens on host:port (we try to bind it ourselves).
 * @param {number} port
 * @param {string} [host]
 * @returns {Promise<boolean>}
 */
export function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err) => {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') resolve(true);
      else reject(err);
    });
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(false)));
  });
}

/** Last `n` lines of a log file, for error messages. @param {string} file @param {number} [n] */
export function tail(file, n = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

export { dirname };
