// The stamp of a fixture folder installed with `npm install --install-links` against this repo's built
// packages (bench/, test-runtimes/otel3/): its manifest and lockfile plus each linked package's manifest
// and dist/. When the stamp is unchanged, the install is reused; warm runs never reinstall.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function hashTree(hash, dir) {
  if (!existsSync(dir)) {
    hash.update(`missing:${dir}\n`);
    return;
  }
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(hash, p);
    else hash.update(`${relative(ROOT, p)}\n`).update(readFileSync(p));
  }
}

/** @param {string} dir the fixture folder @param {string[]} linked package folder names under packages/ */
export function linkedInstallStamp(dir, linked) {
  const hash = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) {
    const p = join(dir, f);
    hash.update(`${f}\n`).update(existsSync(p) ? readFileSync(p) : 'missing');
  }
  for (const pkg of linked) {
    const pkgDir = join(ROOT, 'packages', pkg);
    hash.update(readFileSync(join(pkgDir, 'package.json')));
    hashTree(hash, join(pkgDir, 'dist'));
  }
  return hash.digest('hex');
}
