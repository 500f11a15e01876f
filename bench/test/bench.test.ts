// Smoke test of the benchmark harness: a `--quick` run of four workloads must produce a table with every variant, and every
// instrumented variant must have recorded spans, for the OpenAI and the Anthropic workloads (OTel contrib
// has no Anthropic instrumentation: n/a). The figures themselves are never asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const RUNNER = fileURLToPath(new URL('../run.mjs', import.meta.url));
const VARIANTS = ['baseline', 'promptscope', 'otel-contrib', 'traceloop', 'openinference'];
const LABELS = [
  'baseline (no instrumentation)',
  'promptscope',
  '@opentelemetry/instrumentation-openai',
  '@traceloop/instrumentation-openai',
  '@arizeai/openinference-instrumentation-openai',
  '@traceloop/instrumentation-anthropic',
  '@arizeai/openinference-instrumentation-anthropic',
];
// Half the workloads keep the smoke run short; between them they take every path (plain and streamed,
// content capture off and on, both providers).
const OPENAI_WORKLOADS = ['plain', 'stream-on'];
const ANTHROPIC_WORKLOADS = ['anthropic-plain', 'anthropic-stream'];

describe('bench harness (--quick)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promptscope-bench-'));
  const out = join(dir, 'RESULTS.md');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a results table with every variant, each instrumented one having recorded spans', () => {
    // The first run may install bench/node_modules; a quick run is well under a minute after that.
    const workloads = [...OPENAI_WORKLOADS, ...ANTHROPIC_WORKLOADS].join(',');
    const r = spawnSync(process.execPath, [RUNNER, '--quick', '--workloads', workloads, '--out', out], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('## Machine and run');
    expect(md).toContain('## Targets');
    for (const transport of ['inproc', 'loopback']) expect(md).toContain(`## Transport: ${transport}`);
    for (const label of LABELS) expect(md).toContain(`| ${label} |`);
    expect(md).toContain('| OTel contrib (has no Anthropic instrumentation) | n/a |');
    expect(md).toContain('### Anthropic messages.create');
    expect(md).toContain('### Anthropic stream: 50 text deltas');
    expect(md).toContain('| Anthropic: added CPU per plain call');
    expect(md).not.toContain('## Failed measurements');

    // "What each variant recorded": | variant | patched via | workload | spans/call | ...
    const section = md.slice(md.indexOf('## What each variant recorded'));
    const recorded = section
      .slice(0, section.indexOf('\n## ', 3))
      .split('\n')
      .map((l) => l.split('|').map((c) => c.trim()))
      .filter((c) => VARIANTS.includes(c[1]) && c.length > 5);
    for (const v of VARIANTS) {
      const rows = recorded.filter((c) => c[1] === v);
      expect(rows.map((c) => c[3]).sort(), `rows for ${v}`).toEqual(
        [...OPENAI_WORKLOADS, ...ANTHROPIC_WORKLOADS].sort(),
      );
      for (const c of rows) {
        if (v === 'otel-contrib' && ANTHROPIC_WORKLOADS.includes(c[3])) {
          expect(c[4], `${v} ${c[3]}`).toBe('n/a');
          continue;
        }
        const spansPerCall = Number(c[4]);
        if (v === 'baseline') expect(spansPerCall, `${v} ${c[3]}`).toBe(0);
        else expect(spansPerCall, `${v} ${c[3]}`).toBeGreaterThan(0);
      }
    }
  }, 900_000);
});
