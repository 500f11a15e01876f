#!/usr/bin/env node
// Writes alerting/rules/promptscope.rules.yml (production defaults) and alerting/tests/segment-budgets.rules.yml
// (the per-segment budgets example the promtool tests use). `--check`: write nothing, exit 1 if stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRules, SEGMENT_BUDGETS_EXAMPLE } from './rules.mjs';

const files = [
  ['rules/promptscope.rules.yml', renderRules()],
  ['tests/segment-budgets.rules.yml', renderRules({ segmentBudgetsUsdPerHour: SEGMENT_BUDGETS_EXAMPLE })],
];
let stale = false;
for (const [name, text] of files) {
  const file = fileURLToPath(new URL(`./${name}`, import.meta.url));
  let current = null;
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current === text) continue;
  if (process.argv.includes('--check')) {
    console.error(`alerting/${name} differs from alerting/rules.mjs: run npm run alerts`);
    stale = true;
    continue;
  }
  writeFileSync(file, text);
  console.log(`wrote alerting/${name}`);
}
if (stale) process.exit(1);
