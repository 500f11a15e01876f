#!/usr/bin/env node
// Writes grafana-dashboards/dashboards/*.json from src/. `--check` writes nothing and exits 1 when the
// committed files differ from the generator (what the test does).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dashboards, render } from './src/index.mjs';

const dir = fileURLToPath(new URL('./dashboards/', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const { file, dashboard } of dashboards()) {
  const text = render(dashboard);
  let current = null;
  try {
    current = readFileSync(dir + file, 'utf8');
  } catch {}
  if (current === text) continue;
  if (check) {
    stale++;
    console.error(`grafana-dashboards/dashboards/${file} differs from the generator: run npm run dashboards`);
  } else {
    writeFileSync(dir + file, text);
    console.log(`wrote grafana-dashboards/dashboards/${file}`);
  }
}
process.exitCode = stale ? 1 : 0;
