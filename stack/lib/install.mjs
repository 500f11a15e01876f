/**
 * Prometheus 2.42 and Alertmanager 0.25 from Debian (`prometheus`, `prometheus-alertmanager`), installed
 * with apt-get when missing. Debian's packages ship init scripts; with a policy-rc.d that returns 101 they are
 * not started (we put a temporary one in place when none exists), and there is no systemd here to start them.
 * If a distro daemon does hold :9090/:9093, `up` fails on the port check and says so.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { sleep } from './procs.mjs';

const PACKAGES = ['prometheus', 'prometheus-alertmanager'];
const POLICY_RC = '/usr/sbin/policy-rc.d';

/** @param {string[]} names @returns {string | undefined} */
export function which(...names) {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin', '/usr/local/bin']);
  for (const name of names) {
    for (const d of dirs) {
      const p = join(d, name);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {}
    }
  }
  return undefined;
}

export function findBinaries() {
  return {
    prometheus: which('prometheus'),
    alertmanager: which('prometheus-alertmanager', 'alertmanager'),
    promtool: which('promtool'),
    amtool: which('amtool'),
  };
}

/**
 * @param {{ log?: (line: string) => void }} [opts]
 * @returns {Promise<{ prometheus: string, alertmanager: string, promtool?: string, amtool?: string }>}
 */
export async function ensureBackends({ log = console.log } = {}) {
  let found = findBinaries();
  if (found.prometheus && found.alertmanager) return /** @type {any} */ (found);
  const cmd = `apt-get install -y --no-install-recommends ${PACKAGES.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`prometheus / prometheus-alertmanager are not installed; run as root: apt-get update && ${cmd}`);
  }
  log(`installing ${PACKAGES.join(', ')} with apt-get (Debian: Prometheus 2.42, Alertmanager 0.25)`);
  const ownPolicy = !existsSync(POLICY_RC);
  if (ownPolicy)
    writeFileSync(POLICY_RC, '#!/bin/sh\n# promptscope stack: do not start daemons during install\nexit 101\n', {
      mode: 0o755,
    });
  try {
    let updated = false;
    for (let attempt = 1; ; attempt++) {
      const r = await aptGet(['install', '-y', '--no-install-recommends', ...PACKAGES]);
      if (r.code === 0) break;
      if (
        /Could not get lock|Unable to acquire the dpkg frontend lock|dpkg was interrupted/i.test(r.out) &&
        attempt < 40
      ) {
        log('apt-get: dpkg is locked by another install; retrying in 15 s');
        await sleep(15_000);
        continue;
      }
      if (!updated && /Unable to locate package|has no installation candidate/i.test(r.out)) {
        updated = true;
        log('apt-get update');
        await aptGet(['update']);
        continue;
      }
      throw new Error(`${cmd} failed (exit ${r.code}):\n${r.out.slice(-3000)}`);
    }
  } finally {
    if (ownPolicy) rmSync(POLICY_RC, { force: true });
  }
  found = findBinaries();
  if (!found.prometheus || !found.alertmanager) throw new Error(`${cmd} succeeded but the binaries are not on PATH`);
  return /** @type {any} */ (found);
}

/** @param {string[]} args @returns {Promise<{ code: number | null, out: string }>} */
function aptGet(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/**
 * Runs a checker (promtool / amtool) and throws its output when it rejects the config.
 * @param {string} bin @param {string[]} args
 */
export function check(bin, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} failed:\n${out.trim()}`)),
    );
  });
}
