#!/usr/bin/env node
// Profiles a variant's plain-call and stream paths on the in-process transport and prints where time and
// allocations go. Not part of `npm run bench`.
//   node bench/profile.mjs [--variant promptscope] [--calls 20000] [--top 25]
//   node bench/profile.mjs --diff [--workloads plain,stream,prompt4k-on] [--repeat 3]   self time per call, variant − baseline
// Writes .cpuprofile / .heapprofile files to bench/profiles/ (gitignored; open them in Chrome DevTools).
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './run.mjs';
import { WORKLOADS } from './workloads.mjs';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const variant = opt('--variant', 'promptscope');
const calls = Number(opt('--calls', '20000'));
const top = Number(opt('--top', '25'));
const OURS = /@promptscope|packages\/(core|instrumentation-openai)\//;

function frameKey(cf) {
  const file = (cf.url || '(native)').replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/bench\//, 'bench/');
  return `${cf.functionName || '(anonymous)'}  ${file}:${cf.lineNumber + 1}`;
}

function summarizeCpu(path) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const incl = new Map();
  let total = 0;
  let oursSelf = 0;
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const us = dt[i + 1] ?? dt[i] ?? 0;
    total += us;
    const leaf = byId.get(prof.samples[i]);
    const k = frameKey(leaf.callFrame);
    self.set(k, (self.get(k) ?? 0) + us);
    if (OURS.test(leaf.callFrame.url)) oursSelf += us;
    const seen = new Set();
    for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id).callFrame;
      if (!OURS.test(cf.url)) continue;
      const key = frameKey(cf);
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`  samples: ${(total / 1000).toFixed(0)} ms; self time in promptscope code: ${pct(oursSelf)}`);
  console.log(`  top ${top} self-time frames (all code):`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${pct(us)}  ${k}`);
  console.log('  self time, promptscope frames:');
  for (const [k, us] of [...self]
    .filter(([k]) => OURS.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`    ${pct(us)}  ${k}`);
  console.log('  inclusive time, promptscope frames:');
  for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${pct(us)}  ${k}`);
}

function summarizeHeap(path) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const self = new Map();
  const incl = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const k = frameKey(node.callFrame);
    const size = (node.selfSize ?? 0) + 0;
    total += size;
    self.set(k, (self.get(k) ?? 0) + size);
    const here = OURS.test(node.callFrame.url) ? [...stack, k] : stack;
    for (const s of new Set(here)) incl.set(s, (incl.get(s) ?? 0) + size);
    for (const c of node.children ?? []) walk(c, here);
  };
  walk(prof.head, []);
  const pct = (b) => `${((100 * b) / total).toFixed(1).padStart(5)}%`;
  console.log(
    `  sampled allocations: ${(total / 2 ** 20).toFixed(1)} MB (live at the end of sampling is not the point: the rate is)`,
  );
  console.log('  allocation self size, promptscope frames:');
  for (const [k, b] of [...self]
    .filter(([k]) => OURS.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`    ${pct(b)}  ${k}`);
  console.log('  allocation inclusive, promptscope frames:');
  for (const [k, b] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${pct(b)}  ${k}`);
}

/** Self time per frame in µs per call, from one profile. */
function selfPerCall(path, n) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const us = prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0;
    const k = frameKey(byId.get(prof.samples[i]).callFrame);
    self.set(k, (self.get(k) ?? 0) + us / n);
    total += us / n;
  }
  return { self, total };
}

if (args.includes('--diff')) {
  // Where the added time goes: self time per call, variant minus baseline, frame by frame. Baseline and
  // variant children alternate `--repeat` times (default 3) and each frame's median is kept, so a machine
  // that slows down between two children does not show up as the variant's cost.
  const repeat = Number(opt('--repeat', '3'));
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  for (const name of opt('--workloads', 'plain,stream').split(',')) {
    const workload = WORKLOADS.find((w) => w.name === name);
    if (workload === undefined) throw new Error(`unknown workload ${name}`);
    const n = workload.stream ? Math.round(calls / 5) : calls;
    const runs = { baseline: [], [variant]: [] };
    for (let i = 0; i < repeat; i++) {
      for (const v of i % 2 === 0 ? ['baseline', variant] : [variant, 'baseline']) {
        const dir = join(BENCH, 'profiles', `diff-${v}-${name}-${i}`);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        const r = await runChild({ variant: v, workload, transport: 'inproc', warmup: 500, calls: n }, [
          '--cpu-prof',
          '--cpu-prof-dir',
          dir,
          '--cpu-prof-interval',
          '100',
        ]);
        if (r.error) throw new Error(r.error);
        const f = readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
        // The profile covers the whole process: warm-up and start-up are included, spread over all calls.
        runs[v].push(selfPerCall(join(dir, f), n + 500));
      }
    }
    const frame = (v, k) => median(runs[v].map((r) => r.self.get(k) ?? 0));
    const total = (v) => median(runs[v].map((r) => r.total));
    const keys = new Set(Object.values(runs).flatMap((rs) => rs.flatMap((r) => [...r.self.keys()])));
    const delta = [...keys].map((k) => [k, frame(variant, k) - frame('baseline', k)]);
    console.log(
      `\n== ${variant} minus baseline, ${name}/inproc, medians of ${repeat} profiles each: total ${total(variant).toFixed(0)} vs ${total('baseline').toFixed(0)} µs per call (incl. start-up)`,
    );
    for (const [k, d] of delta.sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${d.toFixed(1).padStart(7)} µs  ${k}`);
  }
  process.exit(0);
}

for (const name of ['plain', 'stream']) {
  const workload = WORKLOADS.find((w) => w.name === name);
  const dir = join(BENCH, 'profiles', `${variant}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const n = name === 'stream' ? Math.round(calls / 5) : calls;
  const cfg = { variant, workload, transport: 'inproc', warmup: 500, calls: n };
  const r1 = await runChild(cfg, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100']);
  if (r1.error) throw new Error(r1.error);
  // The sampling heap profiler records allocations (not retention) over the whole run.
  const r2 = await runChild(cfg, ['--heap-prof', '--heap-prof-dir', dir, '--heap-prof-interval', '4096']);
  if (r2.error) throw new Error(r2.error);
  console.log(`\n== ${variant} / ${name} / inproc, ${n} calls (cpu ${r1.cpuUs.toFixed(0)} µs/call under the profiler)`);
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.cpuprofile')) summarizeCpu(join(dir, f));
  }
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.heapprofile')) summarizeHeap(join(dir, f));
  }
}
