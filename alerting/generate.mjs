#!/usr/bin/env node
// Writes alerting/rules/promptscope.rules.yml (production defaults). `--check`: write nothing, exit 1 if stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRules } from './rules.mjs';

const file = fileURLToPath(new URL('./rules/promptscope.rules.yml', import.meta.url));
const text = renderRules();
let current = null;
try {
  current = readFileSync(file, 'utf8');
} catch {}
if (current === text) process.exit(0);
if (process.argv.includes('--check')) {
  console.error('alerting/rules/promptscope.rules.yml differs from alerting/rules.mjs: run npm run alerts');
  process.exit(1);
}
writeFileSync(file, text);
console.log('wrote alerting/rules/promptscope.rules.yml');
