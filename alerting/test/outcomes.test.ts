import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endOpenOperations } from '@promptscope/core/provider';
import { instrument } from '@promptscope/instrumentation-openai';
import { withInstrumentation } from '@promptscope/testing';
import { useEnv } from '@promptscope/testing/vitest';
import OpenAI from 'openai-v6';
import { afterAll, describe, expect, it } from 'vitest';
import { errorRatio } from '../../grafana-dashboards/src/panels.mjs';
import { renderRules } from '../rules.mjs';

// What counts as a failure, end to end: real calls through the instrumented SDK, their exported metric
// points turned into the series Prometheus stores, and the dashboards' and the alert's own expressions
// evaluated on them by promtool. A consumer that stops reading (a `break`, or a wrapper that never passes
// `return()` on, which we only notice as abandoned) is not a provider failure; a 500 is.
const env = useEnv();
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'promptscope-outcomes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const messages = [{ role: 'user' as const, content: 'hi' }];

/** 6 answered calls, 2 provider failures, 1 stream cancelled by a break, 1 abandoned by its wrapper. */
async function traffic(): Promise<void> {
  const openai = new OpenAI({ apiKey: 'sk-test', baseURL: env.fake.url, maxRetries: 0 });
  const chat = () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
  const stream = () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
  await withInstrumentation(
    () => instrument(OpenAI),
    async () => {
      env.fake.script({ chunks: 3 });
      for (let i = 0; i < 6; i++) await chat();
      env.fake.script({ fault: 'server_error' });
      for (let i = 0; i < 2; i++) await chat().catch(() => {});
      env.fake.script({ chunks: 5 });
      for await (const _ of await stream()) break;
      const it = (await stream())[Symbol.asyncIterator]();
      await it.next();
      // What the abandon sweep or the register hook's shutdown does to it.
      expect(endOpenOperations()).toBe(1);
    },
  );
}

/** The duration histogram's count series, as the collector's remote write names them. */
async function countSeries(): Promise<{ series: string; count: number }[]> {
  const points = await env.harness.metricPoints('gen_ai.client.operation.duration');
  return points.map((p) => {
    const labels = Object.entries({ job: 'app', ...p.attributes })
      .map(([k, v]) => `${k.replace(/[^a-zA-Z0-9_]/g, '_')}="${String(v)}"`)
      .join(',');
    const count = (p.value as { count: number }).count;
    return { series: `gen_ai_client_operation_duration_seconds_count{${labels}}`, count };
  });
}

describe.skipIf(!has('promtool'))('what the error ratio counts', () => {
  it('the dashboards and the alert count provider failures only, not streams the consumer stopped reading', async () => {
    await traffic();
    const series = await countSeries();
    expect(series.reduce((n, s) => n + s.count, 0)).toBe(10);
    expect(
      series
        .filter((s) => s.series.includes('error_type='))
        .map((s) => [s.series.match(/error_type="[^"]*"/)?.[0], s.count]),
    ).toEqual([['error_type="500"', 2]]);

    const rules = join(tmp, 'rules.yml');
    // Threshold 0.25: 2 failures in 10 calls (0.2) stay silent; counting the two streams would give 0.4.
    writeFileSync(rules, renderRules({ window: '5m', forDuration: '0s', minRequests: 1, errorRatio: 0.25 }));
    const input = series.map((s) => `      - series: '${s.series}'\n        values: "0+${s.count}x20"`).join('\n');
    // The panels' query with every dashboard variable at "All".
    const dashboardRatio = errorRatio([], '5m')
      .replace(/\n/g, ' ')
      .replace(/"\$\w+"/g, '".*"');
    const test = [
      `rule_files: ['${rules}']`,
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      input,
      '    promql_expr_test:',
      // Rounded: the sum over series adds in no fixed order, so 0.2 can come out as 0.19999999999999998.
      `      - expr: 'round((${dashboardRatio}) * 1000) / 1000'`,
      '        eval_time: 10m',
      '        exp_samples:',
      '          - labels: "{}"',
      '            value: 0.2',
      '    alert_rule_test:',
      '      - eval_time: 10m',
      '        alertname: PromptscopeProviderErrorRatioHigh',
      '        exp_alerts: []',
    ].join('\n');
    const file = join(tmp, 'outcomes.test.yml');
    writeFileSync(file, `${test}\n`);
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);

    // The same traffic with a lower threshold fires: the check above can fail.
    writeFileSync(rules, renderRules({ window: '5m', forDuration: '0s', minRequests: 1, errorRatio: 0.15 }));
    const firing = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(firing.status).not.toBe(0);
    expect(`${firing.stdout}${firing.stderr}`).toContain('PromptscopeProviderErrorRatioHigh');
  });
});
