/**
 * Builds a program from a Go tool module (a go.mod with a `tool` directive and a committed go.sum) once, into
 * `${PROMPTSCOPE_CACHE_DIR:-~/.cache/promptscope}/bin/<name>-<version>-<hash of go.mod+go.sum>`: a warm run is a
 * stat(), a version bump rebuilds. Jaeger (stack/jaeger) and telemetrygen (bench/telemetrygen) are built this way:
 * `go install pkg@version` refuses modules with replace directives, and a tool module pins every dependency.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { binDir } from './paths.mjs';

/** Hash of the tool module's go.mod and go.sum: the cache key. @param {string} moduleDir */
export function moduleHash(moduleDir) {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum'])
    h.update(f)
      .update('\0')
      .update(readFileSync(join(moduleDir, f)));
  return h.digest('hex').slice(0, 16);
}

/**
 * @typedef {{ name: string, version: string, moduleDir: string, pkg: string }} GoTool
 * @param {GoTool} tool @param {NodeJS.ProcessEnv} [env]
 */
export function toolBinaryPath(tool, env = process.env) {
  return join(binDir(env), `${tool.name}-${tool.version}-${moduleHash(tool.moduleDir)}`);
}

/**
 * @param {GoTool} tool
 * @param {{ log?: (line: string) => void, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<string>} the binary's path
 */
export async function buildGoTool(tool, { log = console.log, env = process.env } = {}) {
  const out = toolBinaryPath(tool, env);
  if (existsSync(out)) {
    log(`${tool.name}: using cached ${out}`);
    return out;
  }
  mkdirSync(binDir(env), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  log(`${tool.name}: building ${tool.pkg}@${tool.version} (first time only) -> ${out}`);
  const started = Date.now();
  const args = ['build', '-trimpath', '-ldflags', '-s -w', '-o', tmp, tool.pkg];
  const heartbeat = setInterval(
    () => log(`${tool.name}: still building (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await run('go', args, { cwd: tool.moduleDir, env: { ...env, CGO_ENABLED: '0' } }, tool.name);
    renameSync(tmp, out);
  } finally {
    clearInterval(heartbeat);
    rmSync(tmp, { force: true });
  }
  log(`${tool.name}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return out;
}

/**
 * @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnOptions} opts
 * @param {string} what
 */
function run(cmd, args, opts, what) {
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
          ? new Error(`'${cmd}' not found: building ${what} needs Go >= 1.24 on PATH (and the Go module proxy)`)
          : err,
      ),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(undefined);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-4000)}`));
    });
  });
}
