#!/usr/bin/env node
// The shape of what the demo exports: every span name with its kind, scopes, attribute keys and event names,
// every metric with its unit, type and attribute keys, every log event with its attribute keys. Values are
// left out (they vary run to run); names and keys are what dashboards, alerts and users' queries depend on.
// A restructuring must leave this unchanged; a change that means to alter it updates the pinned file.
//
//   node scripts/telemetry-shape.mjs           print the shape of a demo run (after `npm run build`)
//   node scripts/telemetry-shape.mjs --write   pin it in scripts/telemetry-shape.json
//   node scripts/telemetry-shape.mjs --check   exit 1 with the difference when a run differs from the pin
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PINNED = join(ROOT, 'scripts', 'telemetry-shape.json');
// A fixed seed and enough calls that every path of the demo (plain, streamed, failed, fallback, feedback)
// occurs: the union of keys over a name is then the same every run.
const DEMO_ARGS = ['--calls', '60', '--seed', '7'];

const sorted = (xs) => [...new Set(xs)].sort();

/** @param {{ spans(): any[], metrics(): any[], logs(): any[] }} telemetry */
export function shapeOf(telemetry) {
  const spans = {};
  for (const s of telemetry.spans()) {
    const e = (spans[s.name] ??= { kind: s.kind, scopes: [], attributes: [], events: [] });
    e.scopes.push(s.scope);
    e.attributes.push(...Object.keys(s.attributes));
    e.events.push(...s.events.map((ev) => ev.name));
  }
  const metrics = {};
  for (const m of telemetry.metrics()) {
    // Both instrumentations record the same metrics, each under its own scope, in no fixed order.
    const e = (metrics[m.name] ??= { unit: m.unit, type: m.type, scopes: [], attributes: [] });
    e.scopes.push(m.scope);
    for (const p of m.points) e.attributes.push(...Object.keys(p.attributes));
  }
  const logs = {};
  for (const l of telemetry.logs()) {
    const e = (logs[l.eventName ?? '(no event name)'] ??= { scopes: [], attributes: [] });
    e.scopes.push(l.scope);
    e.attributes.push(...Object.keys(l.attributes));
  }
  const finish = (o) =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [
          k,
          Object.fromEntries(Object.entries(o[k]).map(([f, v]) => [f, Array.isArray(v) ? sorted(v) : v])),
        ]),
    );
  return { spans: finish(spans), metrics: finish(metrics), logs: finish(logs) };
}

/** Runs the demo (fake provider, register hook) and returns the shape of what reached our receiver. */
export async function demoShape() {
  const { startOtlpReceiver } = await import('@promptscope/testing');
  const receiver = await startOtlpReceiver();
  try {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(OTEL_|PROMPTSCOPE_|OPENAI_|ANTHROPIC_|NODE_OPTIONS$|VITEST)/.test(k),
      ),
    );
    const main = join(ROOT, 'examples', 'demo', 'src', 'main.mjs');
    const code = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [main, ...DEMO_ARGS, '--endpoint', receiver.url], {
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`the demo exited with ${code} (run npm run build first)`);
    return shapeOf(receiver);
  } finally {
    await receiver.close();
  }
}

/** Lines that differ between two shapes, as `+ added` / `- removed` paths. */
export function diffShapes(pinned, actual) {
  const flat = (shape) => {
    const out = new Set();
    for (const [signal, byName] of Object.entries(shape))
      for (const [name, fields] of Object.entries(byName))
        for (const [field, v] of Object.entries(fields))
          for (const item of Array.isArray(v) ? v : [v]) out.add(`${signal} ${JSON.stringify(name)} ${field}: ${item}`);
    return out;
  };
  const a = flat(pinned);
  const b = flat(actual);
  return [
    ...[...b].filter((x) => !a.has(x)).map((x) => `+ ${x}`),
    ...[...a].filter((x) => !b.has(x)).map((x) => `- ${x}`),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = process.argv[2];
  const shape = await demoShape();
  const text = `${JSON.stringify(shape, null, 2)}\n`;
  if (arg === '--write') {
    writeFileSync(PINNED, text);
    console.log(`telemetry-shape: wrote ${PINNED}`);
  } else if (arg === '--check') {
    const diff = diffShapes(JSON.parse(readFileSync(PINNED, 'utf8')), shape);
    if (diff.length > 0) {
      console.error(
        `telemetry-shape: the demo's telemetry differs from scripts/telemetry-shape.json (+ new, - gone):\n${diff.join('\n')}\n` +
          'If the change means it, run: node scripts/telemetry-shape.mjs --write',
      );
      process.exit(1);
    }
    console.log(
      `telemetry-shape: ${Object.keys(shape.spans).length} span names, ${Object.keys(shape.metrics).length} metrics, ${Object.keys(shape.logs).length} log events, as pinned`,
    );
  } else process.stdout.write(text);
}
