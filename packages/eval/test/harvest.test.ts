/**
 * Growing the bank from production: a real instrumented app's spans, in the replay file's format, become
 * cases whose variables and provenance equal what production recorded; a span recorded with capture off is
 * refused with what to switch on. Then the gate re-renders a new version with those production inputs.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@promptscope/cli';
import { createOtelHarness, type OtelHarness } from '@promptscope/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  caseFromCompletion,
  completionsOf,
  HarvestError,
  loadBank,
  parseBank,
  readReplayFile,
  runSuite,
} from '../src/index.js';
import { GOOD, PROMPT, type Workspace, workspace } from './helpers.js';
import { type Production, production } from './production.js';

let ws: Workspace;
let prod: Production;
let harness: OtelHarness;
beforeAll(() => {
  harness = createOtelHarness();
});
afterAll(() => harness.shutdown());
beforeEach(async () => {
  ws = await workspace();
  prod = await production(ws, join(ws.dir, 'promptscope-replay.jsonl'));
});
afterEach(() => ws.close());

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t), env: {}, cwd: ws.dir },
  };
}

describe('harvesting production completions', () => {
  it('a captured completion becomes a case with the variables and provenance production recorded', async () => {
    const read = await readReplayFile(prod.file);
    expect(read.skippedLines).toBe(0);
    const list = completionsOf(read.spans, PROMPT);
    expect(list).toHaveLength(2);
    const captured = list.find((c) => c.span.spanId === prod.captured.spanId);
    expect(captured?.span.attributes['gen_ai.prompt.variable.ticket']).toBe('7');
    expect(captured?.feedback).toEqual([
      { evaluation: 'thumbs', score: 0, label: 'fail', comment: 'it did not say when it arrives' },
    ]);
    const spec = (await ws.registry.read(PROMPT, 1)).spec;
    const c = caseFromCompletion(captured as never, { spec, pinOutput: true, from: prod.file });
    expect(c.vars).toEqual(prod.captured.vars);
    expect(c.source).toEqual({
      traceId: prod.captured.traceId,
      spanId: prod.captured.spanId,
      promptVersion: '1',
      model: 'gpt-4o-mini',
      capturedAt: new Date(captured?.span.startMs as number).toISOString(),
      signal: 'thumbs_down',
      service: 'support-bot',
      from: prod.file,
    });
    expect(c.expected).toBe(prod.output);
    expect(c.description).toBe('it did not say when it arrives');
  });

  it('a span recorded with content capture off is refused, saying what to switch on in the app and the collector', async () => {
    const list = completionsOf((await readReplayFile(prod.file)).spans, PROMPT);
    const off = list.find((c) => c.span.spanId === prod.uncaptured.spanId);
    expect(Object.keys(off?.span.attributes ?? {}).filter((k) => k.startsWith('gen_ai.prompt.variable.'))).toEqual([]);
    expect(() => caseFromCompletion(off as never)).toThrow(HarvestError);
    expect(() => caseFromCompletion(off as never)).toThrow(
      /has no captured prompt variables.*OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.*PROMPTSCOPE_KEEP_CONTENT=true/,
    );
  });

  it('bank add --from writes the case (comments kept), dedups on the variables, and refuses the uncaptured span', async () => {
    const args = ['bank', 'add', PROMPT, '--from', prod.file, '--bank', ws.bankDir, '--dir', ws.registry.root];
    // the file exporter's rotated backups are read too
    await rename(prod.file, join(ws.dir, 'promptscope-replay-2026-12-01T10-00-00.000.jsonl'));
    const first = io();
    expect(await run(args, first.io)).toBe(0);
    expect(first.out.stdout).toMatch(
      new RegExp(
        `added c-[0-9a-f]{10} \\(trace ${prod.captured.traceId}, span ${prod.captured.spanId}, v1, thumbs_down\\)`,
      ),
    );
    expect(first.out.stderr).toMatch(
      /refused: span [0-9a-f]{16} of trace [0-9a-f]{32} has no captured prompt variables/,
    );
    const bank = parseBank(await readFile(ws.bankFile, 'utf8'), ws.bankFile, false);
    expect(bank.cases.map((c) => [c.vars, c.source?.spanId, c.tags])).toEqual([
      [prod.captured.vars, prod.captured.spanId, ['from-production']],
    ]);
    const again = io();
    expect(await run(args, again.io)).toBe(0);
    expect(again.out.stdout).toMatch(/skipped span [0-9a-f]{16}: its variables are already in the bank as c-/);
    // only the negatively rated one, and the capture-off one alone: refused, exit 2
    const negative = io();
    expect(await run([...args, '--feedback', 'negative'], negative.io)).toBe(0);
    expect(negative.out.stderr).toBe('');
    const off = io();
    expect(
      await run(
        [
          ...args.slice(0, 3),
          '--from',
          join(ws.dir, 'promptscope-replay-2026-12-01T10-00-00.000.jsonl'),
          '--bank',
          join(ws.dir, 'other'),
          '--version',
          '1',
          '--limit',
          '1',
        ],
        off.io,
      ),
    ).toBe(2);
    expect(off.out.stderr).toMatch(/refused: .*content capture off/);
  });

  it('the gate re-renders a new version with the inputs production saw', async () => {
    const io1 = io();
    await run(['bank', 'add', PROMPT, '--from', prod.file, '--bank', ws.bankDir, '--dir', ws.registry.root], io1.io);
    const text = (await readFile(ws.bankFile, 'utf8')).replace(
      'assert: [] # add assertions',
      'assert: [{ type: icontains, value: refund }] #',
    );
    await ws.writeBank(text);
    ws.fake.reset();
    ws.fake.script({ content: GOOD });
    const r = await runSuite({
      ...(await ws.suite('2')),
      bank: await loadBank(ws.bankFile),
      tracerProvider: harness.tracerProvider,
    });
    expect(r.verdict.pass).toBe(true);
    const sent = ws.fake.requests.find((q) => q.path.endsWith('/chat/completions'));
    expect(sent?.body.messages).toEqual([
      { role: 'system', content: 'You answer support tickets for Acme (prompt v2).' },
      { role: 'user', content: `Ticket #7: ${prod.captured.vars.question}` },
    ]);
    const link = harness.spans().find((s) => s.name.startsWith('test '))?.links[0]?.context;
    expect([link?.traceId, link?.spanId]).toEqual([prod.captured.traceId, prod.captured.spanId]);
  });
});
