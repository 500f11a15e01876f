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
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildGoTool, moduleHash, toolBinaryPath } from './lib/go-tool.mjs';
import { STACK_DIR } from './lib/paths.mjs';

export const JAEGER_VERSION = 'v1.76.0';
export const JAEGER_MODULE_DIR = join(STACK_DIR, 'jaeger');
const JAEGER = {
  name: 'jaeger',
  version: JAEGER_VERSION,
  moduleDir: JAEGER_MODULE_DIR,
  pkg: 'github.com/jaegertracing/jaeger/cmd/jaeger',
};

/** Hash of the tool module's go.mod and go.sum: the cache key. */
export const jaegerModuleHash = () => moduleHash(JAEGER_MODULE_DIR);

/** Where the binary for the current go.mod/go.sum lives (built or not). */
export const jaegerBinaryPath = (env = process.env) => toolBinaryPath(JAEGER, env);

/**
 * @param {{ log?: (line: string) => void, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<string>} the binary's path
 */
export const buildJaeger = (options) => buildGoTool(JAEGER, options);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildJaeger({ log: (l) => console.error(l) }).then(
    (p) => console.log(p),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
