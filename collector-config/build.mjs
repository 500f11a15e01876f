#!/usr/bin/env node
// Builds the slim promptscope collector from ./distribution (Go module) and caches the binary.
//
//   node collector-config/build.mjs            # prints the absolute path of the binary
//   import { buildCollector } from './collector-config/build.mjs'; const bin = await buildCollector();
//
// The binary lands in ${PROMPTSCOPE_CACHE_DIR:-$HOME/.cache/promptscope}/bin/otelcol-promptscope-<hash>, where
// <hash> covers go.mod, go.sum and every *.go file of the module: a warm run finds it and does not call go at all.
// No dependencies beyond Node itself.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DISTRIBUTION_DIR = join(here, 'distribution');

/** The configs shipped in this folder, as absolute paths (each one is checked with `validate` by the tests). */
export const CONFIGS = {
  production: join(here, 'collector.yaml'),
  replay: join(here, 'collector.replay.yaml'),
  agent: join(here, 'agent.yaml'),
  agentDns: join(here, 'agent.dns.yaml'),
  agentK8s: join(here, 'agent.k8s.yaml'),
  gateway: join(here, 'gateway.yaml'),
};

export function cacheDir() {
  return process.env.PROMPTSCOPE_CACHE_DIR || join(homedir(), '.cache', 'promptscope');
}

/** Hash of everything that determines the binary. */
export async function sourceHash() {
  const names = (await readdir(DISTRIBUTION_DIR))
    .filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go'))
    .sort();
  const hash = createHash('sha256');
  for (const name of names) {
    hash.update(`${name}\0`);
    hash.update(await readFile(join(DISTRIBUTION_DIR, name)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export async function binaryPath() {
  return join(cacheDir(), 'bin', `otelcol-promptscope-${await sourceHash()}`);
}

/**
 * Returns the absolute path of the collector binary, building it first when no binary for the current sources
 * is cached. `log` receives progress lines (default: stderr).
 */
export async function buildCollector({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const out = await binaryPath();
  if (existsSync(out)) {
    log(`collector: using cached ${out}`);
    return out;
  }
  const required = await requiredGoVersion();
  await checkGo(required);

  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  log(`collector: building ${out}`);
  log('collector: a cold build downloads the pinned modules and compiles ~15 components; it takes minutes');
  const started = Date.now();
  const heartbeat = setInterval(() => {
    log(`collector: still building (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 30_000);
  try {
    await run('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', tmp, '.'], {
      cwd: DISTRIBUTION_DIR,
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    // Atomic: concurrent builders each write their own temp file; the last rename wins with identical content.
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
  log(`collector: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

async function requiredGoVersion() {
  const gomod = await readFile(join(DISTRIBUTION_DIR, 'go.mod'), 'utf8');
  const m = /^go\s+(\d+(?:\.\d+){1,2})\s*$/m.exec(gomod);
  return m ? m[1] : '1.24';
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

async function checkGo(required) {
  const howTo =
    `Install Go ${required} or newer from https://go.dev/dl/ (Debian's golang-go package is too old), ` +
    'put it on PATH, and make sure the Go module proxy (GOPROXY, default https://proxy.golang.org) is reachable.';
  let output;
  try {
    output = await run('go', ['env', 'GOVERSION'], { capture: true });
  } catch (err) {
    if (err.code === 'ENOENT') {
      throw new Error(
        `collector: 'go' was not found on PATH; building the collector needs Go >= ${required}. ${howTo}`,
      );
    }
    throw err;
  }
  const found = output
    .trim()
    .replace(/^go/, '')
    .split(/[^0-9.]/)[0];
  if (compareVersions(found, required) < 0) {
    const toolchain = process.env.GOTOOLCHAIN ?? '';
    const autoHint =
      compareVersions(found, '1.21') >= 0 && !toolchain.includes('auto')
        ? ` Or let go ${found} fetch the toolchain itself: GOTOOLCHAIN=auto node collector-config/build.mjs.`
        : '';
    if (!toolchain.includes('auto')) {
      throw new Error(
        `collector: go ${found} is too old; collector-config/distribution/go.mod needs Go >= ${required} ` +
          `(the collector v0.161.0 modules require it). ${howTo}${autoHint}`,
      );
    }
  }
}

function run(cmd, args, { cwd, env, capture = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!capture) process.stderr.write(d);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolvePromise(stdout);
      else {
        reject(
          new Error(
            `collector: '${cmd} ${args.join(' ')}' exited with ${code}${stderr ? `:\n${stderr.slice(-4000)}` : ''}`,
          ),
        );
      }
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildCollector()
    .then((bin) => {
      process.stdout.write(`${bin}\n`);
    })
    .catch((err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
