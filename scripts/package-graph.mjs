#!/usr/bin/env node
// The workspace packages and what each depends on among them, read from their package.json files, and
// the layering rules the architecture page states (docs/architecture.md), checked.
//
//   node scripts/package-graph.mjs            the graph, one package per line, lowest layer first
//   node scripts/package-graph.mjs --mermaid  the same as a Mermaid flowchart
//   node scripts/package-graph.mjs --check    exit 1 and say which rule a dependency breaks
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Which layer each package is in: a package may depend only on packages of a lower layer. Core is policy
 * and names; the next layer each do one job on top of it; eval and register put those together; the CLI
 * and the demo are what users run.
 */
export const LAYERS = Object.freeze({
  '@promptscope/core': 0,
  '@promptscope/testing': 0,
  '@promptscope/instrumentation-openai': 1,
  '@promptscope/instrumentation-anthropic': 1,
  '@promptscope/instrumentation-google-genai': 1,
  '@promptscope/instrumentation-bedrock': 1,
  '@promptscope/instrumentation-mistral': 1,
  '@promptscope/ai-sdk': 1,
  '@promptscope/feedback': 1,
  '@promptscope/route': 1,
  '@promptscope/prompts': 1,
  '@promptscope/register': 2,
  '@promptscope/eval': 2,
  '@promptscope/cli': 3,
  '@promptscope/demo': 4,
  '@promptscope/frameworks-tests': 4,
});

/** @returns {{ name: string, dir: string, description: string, private: boolean, deps: string[], devDeps: string[] }[]} */
export function packages(root = ROOT) {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = rootPkg.workspaces;
  const all = dirs.map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }));
  const names = new Set(all.map((p) => p.pkg.name));
  const ours = (o) =>
    Object.keys(o ?? {})
      .filter((d) => names.has(d))
      .sort();
  return all
    .map(({ dir, pkg }) => ({
      name: pkg.name,
      dir,
      description: pkg.description ?? '',
      private: pkg.private === true,
      deps: ours({ ...pkg.dependencies, ...pkg.peerDependencies }),
      devDeps: ours(pkg.devDependencies),
    }))
    .sort((a, b) => (LAYERS[a.name] ?? 99) - (LAYERS[b.name] ?? 99) || a.name.localeCompare(b.name));
}

/** Every broken rule, as a sentence saying what to do. */
export function violations(list = packages()) {
  const out = [];
  for (const p of list) {
    const layer = LAYERS[p.name];
    if (layer === undefined) {
      out.push(
        `${p.name} (${p.dir}) has no layer: add it to LAYERS in scripts/package-graph.mjs and docs/architecture.md`,
      );
      continue;
    }
    for (const d of p.deps) {
      const dl = LAYERS[d];
      if (dl !== undefined && dl >= layer)
        out.push(`${p.name} (layer ${layer}) depends on ${d} (layer ${dl}): a package may use only lower layers`);
    }
    // The test kit is for tests: nothing ships depending on it (the demo, which runs a fake provider, aside).
    if (p.deps.includes('@promptscope/testing') && p.name !== '@promptscope/demo')
      out.push(`${p.name} depends on @promptscope/testing at runtime: make it a devDependency`);
  }
  return out;
}

function text(list) {
  const width = Math.max(...list.map((p) => p.name.length));
  return list
    .map(
      (p) =>
        `${String(LAYERS[p.name] ?? '?')}  ${p.name.padEnd(width)}  -> ${p.deps.join(', ') || '(no workspace package)'}`,
    )
    .join('\n');
}

function mermaid(list) {
  const id = (n) => n.replace('@promptscope/', '').replace(/[^a-z0-9]/gi, '_');
  const lines = ['flowchart BT'];
  for (const p of list) lines.push(`  ${id(p.name)}["${p.name}"]`);
  for (const p of list) for (const d of p.deps) lines.push(`  ${id(p.name)} --> ${id(d)}`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const list = packages();
  const arg = process.argv[2];
  if (arg === '--check') {
    const v = violations(list);
    for (const line of v) console.error(`package-graph: ${line}`);
    if (v.length > 0) process.exit(1);
    console.log(`package-graph: ${list.length} packages, every dependency points to a lower layer`);
  } else if (arg === '--mermaid') console.log(mermaid(list));
  else if (arg === undefined) console.log(text(list));
  else {
    console.error(`package-graph: unknown option ${arg} (use --mermaid or --check)`);
    process.exit(2);
  }
}
