/**
 * Builds Jaeger v2 (`github.com/jaegertracing/jaeger/cmd/jaeger`, module v1.76.0 = Jaeger v2.13.0) through
 * the Go tool module in stack/jaeger/, once, into `${PROMPTSCOPE_CACHE_DIR:-~/.cache/promptscope}/bin`.
 *
 * `go install github.com/jaegertracing/jaeger/cmd/jaeger@v1.76.0` fails: that module's go.mod has a
 * `replace` directive, which `go install pkg@version` refuses. Inside a tool module the dependency's
 * replace directives are ignored, and go.sum (committed) pins every module.
 *
 * The binary is named after a hash of go.mod + go.sum, so a warm run is a stat() and a version bump
 * rebuilds. Run directly: `node stack/build-jaeger.mjs` prints the binary's path.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { binDir, STACK_DIR } from './lib/paths.mjs';

export const JAEGER_VERSION = 'v1.76.0';
export const JAEGER_MODULE_DIR = join(STACK_DIR, 'jaeger');
const PACKAGE = 'github.com/jaegertracing/jaeger/cmd/jaeger';

/** Hash of the tool module's go.mod and go.sum: the cache key. */
export function jaegerModuleHash() {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum'])
    h.update(f)
      .update('\0')
      .update(readFileSync(join(JAEGER_MODULE_DIR, f)));
  return h.digest('hex').slice(0, 16);
}

/** Where the binary for the current go.mod/go.sum lives (built or not). */
export function jaegerBinaryPath(env = process.env) {
  return join(binDir(env), `jaeger-${JAEGER_VERSION}-${jaegerModuleHash()}`);
}

/**
 * @param {{ log?: (line: string) => void, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<string>} the binary's path
 */
export async function buildJaeger({ log = console.log, env = process.env } = {}) {
  const out = jaegerBinaryPath(env);
  if (existsSync(out)) {
    log(`jaeger: using cached ${out}`);
    return out;
  }
  mkdirSync(binDir(env), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  log(`jaeger: building ${PACKAGE}@${JAEGER_VERSION} (first time only; several minutes cold) -> ${out}`);
  const started = Date.now();
  const args = ['build', '-trimpath', '-ldflags', '-s -w', '-o', tmp, PACKAGE];
  const heartbeat = setInterval(
    () => log(`jaeger: still building (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await run('go', args, { cwd: JAEGER_MODULE_DIR, env: { ...env, CGO_ENABLED: '0' } });
    renameSync(tmp, out);
  } finally {
    clearInterval(heartbeat);
    rmSync(tmp, { force: true });
  }
  log(`jaeger: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return out;
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} opts
 */
function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('error', (err) =>
      reject(
        /** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT'
          ? new Error(`'${cmd}' not found: building Jaeger needs Go >= 1.24 on PATH (and the Go module proxy)`)
          : err,
      ),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(undefined);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-4000)}`));
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildJaeger({ log: (l) => console.error(l) }).then(
    (p) => console.log(p),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
