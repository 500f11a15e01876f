// The report's targets: promptscope's overhead against the lowest other instrumentation measured in the
// same run, each met or not, with its figures.
import { OTHERS } from './config.mjs';
import { f0, f1, f2, signed } from './format.mjs';

/** The targets section of bench/RESULTS.md, as lines. */
export function targetsSection({ summary, longRuns, transports }) {
  const out = [];
  const p = (s = '') => out.push(s);
  p('## Targets (promptscope against the lowest-overhead other instrumentation, same run)');
  p();
  const targets = [];
  const t = (name, ok, detail) =>
    targets.push(
      `| ${name} | ${ok === 'info' ? 'informational' : ok === undefined ? 'n/a' : ok ? 'met' : '**not met**'} | ${detail} |`,
    );
  const best = (rows, key) => {
    const vals = OTHERS.filter((v) => rows?.[v] !== undefined)
      .map((v) => ({ v, x: rows?.[v]?.[key] }))
      .filter((e) => e.x !== undefined);
    return vals.length ? vals.reduce((a, b) => (b.x < a.x ? b : a)) : undefined;
  };
  const ratioTarget = (name, rows, key, factor, unit) => {
    const ours = rows?.promptscope?.[key];
    const b = best(rows, key);
    if (ours === undefined || b === undefined) return t(name, undefined, 'not measured');
    // An added cost at or below zero is the noise of the run, not a cost: no ratio of it means anything.
    if (b.x <= 0) {
      return t(
        name,
        undefined,
        `lowest other ${b.v} ${signed(b.x, f1)} ${unit}: at or below the baseline, so this run's noise; promptscope ${signed(ours, f1)} ${unit}`,
      );
    }
    const limit = b.x * factor;
    t(
      name,
      ours <= limit,
      `promptscope ${signed(ours, f1)} ${unit}; lowest other ${b.v} ${signed(b.x, f1)} ${unit}; limit ${f1(limit)} ${unit}`,
    );
  };
  const s = summary.inproc ?? summary.loopback;
  ratioTarget('added CPU per plain call ≤ ½ of the lowest other (inproc)', s?.plain, 'addCpu', 0.5, 'µs');
  ratioTarget(
    'added wall per stream chunk ≤ ¼ of the lowest other (inproc, added ÷ chunks)',
    s?.stream,
    'perChunkWall',
    0.25,
    'µs',
  );
  ratioTarget('  same, marginal per chunk (informative)', s?.stream, 'marginalWall', 0.25, 'µs');
  for (const tr of transports) {
    const r = summary[tr]?.stream?.promptscope;
    if (r === undefined) t(`first-chunk added delay p99 < 100 µs (${tr})`, undefined, 'not measured');
    else
      t(
        `first-chunk added delay p99 < 100 µs (${tr})`,
        r.addFc99 < 100,
        `promptscope p99 ${f0(r.fc99)} µs, baseline ${f0(r.fc99 - r.addFc99)} µs, added ${signed(r.addFc99)} µs (p50 added ${signed(r.addFc50)} µs)`,
      );
  }
  ratioTarget(
    'capture on: added CPU for a 4 KB prompt ≤ ½ of the lowest other (inproc)',
    s?.['prompt4k-on'],
    'addCpu',
    0.5,
    'µs',
  );
  // Heap over the long run of plain calls: OpenAI always, Anthropic when its workload ran.
  const heapTarget = (label, workload, required) => {
    const r = longRuns.find((x) => x.variant === 'promptscope' && x.workload === workload && !x.error);
    if (r === undefined) {
      if (required) t(`${label}heap growth over 100 000 calls < 5 MB`, undefined, 'not run');
      return;
    }
    t(
      `${label}heap growth over ${r.calls} calls < 5 MB`,
      r.growth < 5 && r.slope * (r.calls / 100_000) < 5,
      `growth ${signed(r.growth, f2)} MB, slope ${signed(r.slope, f2)} MB per 100 000 calls` +
        (r.calls < 100_000 ? ` (only ${r.calls} calls: a smoke run)` : ''),
    );
  };
  heapTarget('', 'plain', true);
  ratioTarget(
    'capture on: added CPU per plain call ≤ ½ of the lowest other (inproc)',
    s?.['plain-on'],
    'addCpu',
    0.5,
    'µs',
  );
  ratioTarget(
    'capture on: added wall per stream chunk ≤ ¼ of the lowest other (inproc)',
    s?.['stream-on'],
    'perChunkWall',
    0.25,
    'µs',
  );
  // The same for Anthropic ("lowest other" is traceloop or openinference: OTel contrib has no Anthropic instrumentation).
  ratioTarget(
    'Anthropic: added CPU per plain call ≤ ½ of the lowest other (inproc)',
    s?.['anthropic-plain'],
    'addCpu',
    0.5,
    'µs',
  );
  ratioTarget(
    'Anthropic: added wall per stream delta ≤ ¼ of the lowest other (inproc)',
    s?.['anthropic-stream'],
    'perChunkWall',
    0.25,
    'µs',
  );
  heapTarget('Anthropic: ', 'anthropic-plain', false);
  p();
  p('| target | status | figures |');
  p('|---|---|---|');
  for (const line of targets) p(line);
  p();
  return out;
}
