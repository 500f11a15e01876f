/**
 * `promptscope replay` against the running stack (called from e2e.test.ts after the bank test, whose demo
 * traffic reached Jaeger with content kept). Version 1's captured completions are replayed through
 * version 2 with the fake provider scripted per ticket: odd tickets get an answer the bank refuses, even
 * ones a clean answer, with a fixed first-chunk delay and fixed token counts. Then:
 *  - the report's improved / regressed / unchanged counts equal the script's, and its deltas what the fake implies;
 *  - the recorded failures are skipped with their reason; `--fail-on max-regressions=0` exits 1;
 *  - the replay spans are in Jaeger as promptscope.run.kind=replay, linked to the production spans;
 *  - the run metrics of the replay and of a `promptscope test` run reach Prometheus, and the Prompt tests
 *    dashboard's queries return data.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFakeProvider } from '@promptscope/testing';
import { expect } from 'vitest';
import { BANK_E2E_SERVICE, type StackCtx, until } from './bank-e2e.js';

interface Ctx extends Omit<StackCtx, 'startUs'> {
  promQuery(expr: string): Promise<unknown[]>;
}

const FIRST_CHUNK_MS = 250;
const USAGE = { input: 50, output: 30 };
const BAD_WORD = 'REGRESSION';

interface Input {
  id: string;
  vars?: { ticket?: number };
  outcome: string;
  production: { traceId: string; spanId: string };
  candidate: { traceId?: string; ttftMs?: number; costUsd?: number | null };
}

export async function replayFromJaeger(c: Ctx): Promise<void> {
  const fake = await startFakeProvider({ host: '127.0.0.1' });
  const dir = mkdtempSync(join(tmpdir(), 'promptscope-replay-e2e-'));
  try {
    fake.script((req) => {
      const messages: { role: string; content: string }[] = req.body?.messages ?? [];
      const ticket = Number(/Ticket #(\d+)/.exec(messages.find((m) => m.role === 'user')?.content ?? '')?.[1]);
      const odd = ticket % 2 === 1;
      return {
        content: odd
          ? `${BAD_WORD}: we cannot help with ticket ${ticket}.`
          : `Here are the steps for ticket ${ticket}.`,
        firstChunkDelayMs: FIRST_CHUNK_MS,
        usage: USAGE,
      };
    });
    await mkdir(join(dir, 'prompt-tests'));
    writeFileSync(
      join(dir, 'prompt-tests', 'support-reply.yaml'),
      `prompt: support-reply\ndefaults:\n  assert: [{ type: not-contains, value: ${BAD_WORD} }]\ncases:\n  - { id: even, vars: { ticket: 2, question: "Where is my invoice?" } }\n  - { id: odd, vars: { ticket: 3, question: "Where is my invoice?" } }\n`,
    );
    // the built CLI against the stack's collector and the scripted fake, as a service of its own
    const cli = (args: string[], service: string, env: NodeJS.ProcessEnv = {}) =>
      c.run(
        process.execPath,
        [join(c.repo, 'packages', 'cli', 'dist', 'bin.js'), ...args],
        {
          ...c.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: c.collector,
          OTEL_SERVICE_NAME: service,
          OPENAI_BASE_URL: fake.url,
          OPENAI_API_KEY: 'sk-e2e-not-a-real-key',
          ...env,
        },
        120_000,
      );
    const r = await cli(
      [
        'replay',
        'support-reply',
        '--candidate',
        '2',
        '--version',
        '1',
        '--source',
        'jaeger',
        '--jaeger',
        c.jaeger,
        '--service',
        BANK_E2E_SERVICE,
        '--since',
        '1h',
        '--dir',
        join(c.repo, 'examples', 'demo', 'prompts'),
        '--bank',
        join(dir, 'prompt-tests'),
        '--no-cache',
        '--fail-on',
        'max-regressions=0',
        '--json',
        join(dir, 'replay.json'),
        '--html',
        join(dir, 'replay.html'),
      ],
      'promptscope-replay-e2e',
      { OTEL_METRIC_EXPORT_INTERVAL: '1000' },
    );
    const report = JSON.parse(readFileSync(join(dir, 'replay.json'), 'utf8')) as {
      inputs: Input[];
      skipped: { reason: string }[];
      summary: Record<string, unknown> & {
        ttftP50Ms: { candidate?: number };
        costPerCallUsd: { candidate?: number };
      };
      source: { found: number };
    };
    const inputs = report.inputs;
    const odd = inputs.filter((i) => (i.vars?.ticket ?? 0) % 2 === 1).length;
    expect(inputs.length, r.out).toBeGreaterThanOrEqual(4);
    expect(odd).toBeGreaterThan(0);
    expect(odd).toBeLessThan(inputs.length);
    // The script's counts: every odd ticket regressed, every even one unchanged, none improved.
    for (const i of inputs) expect(i.outcome, i.id).toBe((i.vars?.ticket ?? 0) % 2 === 1 ? 'regressed' : 'unchanged');
    expect(report.summary).toMatchObject({ regressed: odd, unchanged: inputs.length - odd, improved: 0, errors: 0 });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(new RegExp(`✗ regressions: ${odd} regressed \\(allowed 0\\)`));
    expect(r.out.trimEnd().split('\n').at(-1)).toBe(`${inputs.length - odd} passed, ${odd} failed`);
    // Deltas from the fake's timing and token counts, priced as the instrumentation prices them.
    expect(report.summary.ttftP50Ms.candidate).toBeGreaterThanOrEqual(FIRST_CHUNK_MS);
    const { PriceBook } = await import(pathToFileURL(join(c.repo, 'packages', 'core', 'dist', 'provider-api.js')).href);
    const price = new PriceBook().price('openai', 'gpt-4o-mini', {
      inputTokens: USAGE.input,
      outputTokens: USAGE.output,
    });
    expect(report.summary.costPerCallUsd.candidate).toBeCloseTo(price.totalUsd, 12);
    // Skipped ones are counted with their reason (the demo's failed calls have no output to compare with).
    expect(report.skipped.every((s) => s.reason.length > 0)).toBe(true);
    expect(report.source.found).toBe(inputs.length + report.skipped.length);

    // The replay spans in Jaeger: the run's kind, and a link to the production span each replays.
    const one = inputs[0] as Input;
    const trace = await until(
      `replay trace ${one.candidate.traceId} in Jaeger`,
      async () => {
        const res = await fetch(`${c.jaeger}/api/traces/${one.candidate.traceId}`);
        if (!res.ok) return undefined;
        const body = (await res.json()) as {
          data: {
            spans: {
              operationName: string;
              tags: { key: string; value: unknown }[];
              references?: { refType: string; traceID: string; spanID: string }[];
            }[];
          }[];
        };
        return body.data[0]?.spans.find((s) => s.operationName === `replay ${one.id}`);
      },
      30_000,
    );
    expect(trace.tags.find((t) => t.key === 'promptscope.run.kind')?.value).toBe('replay');
    expect(trace.references).toContainEqual(
      expect.objectContaining({ traceID: one.production.traceId, spanID: one.production.spanId }),
    );

    // The run metrics in Prometheus, and the Prompt tests dashboard's queries over them.
    const byOutcome = await until(
      'the replay run metrics in Prometheus',
      async () => {
        const rows = (await c.promQuery(
          'sum by (promptscope_eval_outcome) (promptscope_eval_cases_total{promptscope_run_kind="replay",promptscope_eval_candidate="v2"})',
        )) as { metric: Record<string, string>; value: [number, string] }[];
        const out = Object.fromEntries(rows.map((x) => [x.metric.promptscope_eval_outcome, Number(x.value[1])]));
        return out.regressed === odd ? out : undefined;
      },
      60_000,
    );
    expect(byOutcome.unchanged).toBe(inputs.length - odd);
    // A gate run too, so the dashboard's test panels have a run to show: one case passes, one fails.
    const gate = await cli(
      [
        'test',
        'support-reply',
        '--candidate',
        '2',
        '--dir',
        join(c.repo, 'examples', 'demo', 'prompts'),
        '--bank',
        join(dir, 'prompt-tests'),
        '--reports',
        join(dir, 'reports'),
        '--no-cache',
      ],
      'promptscope-test-e2e',
    );
    expect(gate.code, gate.out).toBe(1);
    expect(gate.out.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    await until(
      'the test run metrics in Prometheus',
      async () =>
        (await c.promQuery('promptscope_eval_cases_total{promptscope_run_kind="test",promptscope_eval_outcome="fail"}'))
          .length > 0
          ? true
          : undefined,
      60_000,
    );
    const { allQueries } = await import(pathToFileURL(join(c.repo, 'grafana-dashboards', 'queries.mjs')).href);
    const queries = (
      allQueries({ substitute: { prompt: 'support-reply', candidate: 'v2', __range: '15m', __interval: '15m' } }) as {
        dashboard: string;
        panel: string;
        expr: string;
        requires: string[];
      }[]
    ).filter((q) => q.requires.includes('eval-runs') && !q.requires.includes('judge'));
    expect(queries.length).toBeGreaterThan(3);
    let empty: string[] = [];
    await until(
      'every Prompt tests query to return data',
      async () => {
        empty = [];
        for (const q of queries) if ((await c.promQuery(q.expr)).length === 0) empty.push(`${q.panel}: ${q.expr}`);
        return empty.length === 0 ? true : undefined;
      },
      30_000,
    ).catch(() => {
      throw new Error(`Prompt tests queries without data:\n${empty.join('\n')}`);
    });
    console.log(
      `[e2e] replay from Jaeger: ${inputs.length} inputs (${odd} regressed as scripted), ${report.skipped.length} skipped, ${queries.length} Prompt tests queries with data`,
    );
  } finally {
    await fake.close();
  }
}
