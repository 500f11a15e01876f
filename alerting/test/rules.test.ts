import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRules, DEFAULTS, renderRules, SEGMENT_BUDGETS_EXAMPLE } from '../rules.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rulesFile = join(root, 'rules/promptscope.rules.yml');
const testFiles = readdirSync(join(root, 'tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(root, 'tests', f));
/** The main test file (the broken-expectation tests edit it). */
const mainTests = join(root, 'tests', 'promptscope.test.yml');
const COLLECTOR_ALERTS = [
  'PromptscopeCollectorDroppingData',
  'PromptscopeCollectorQueueFilling',
  'PromptscopeCollectorRefusingData',
];
const ALERTS = [
  'PromptscopeProviderErrorRatioHigh',
  'PromptscopeLatencyP95High',
  'PromptscopeTimeToFirstTokenP95High',
  'PromptscopeCostOverBudget',
  'PromptscopeSegmentOverBudget',
  'PromptscopeTrafficStopped',
  'PromptscopeQualityDrop',
];

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const run = (bin: string, args: string[]) => {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: root });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

const tmp = mkdtempSync(join(tmpdir(), 'promptscope-alerting-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rules generator', () => {
  it('matches the committed rules file (run `npm run alerts` when this fails)', () => {
    expect(
      readFileSync(rulesFile, 'utf8'),
      'alerting/rules/promptscope.rules.yml differs from alerting/rules.mjs: run `npm run alerts`',
    ).toBe(renderRules());
    expect(
      readFileSync(join(root, 'tests/segment-budgets.rules.yml'), 'utf8'),
      'alerting/tests/segment-budgets.rules.yml differs from alerting/rules.mjs: run `npm run alerts`',
    ).toBe(renderRules({ segmentBudgetsUsdPerHour: SEGMENT_BUDGETS_EXAMPLE }));
  });

  it('defines the seven alerts, each with severity, summary and description', () => {
    const rules = buildRules().groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(ALERTS);
    for (const r of rules) {
      expect(r.labels.severity, r.alert).toMatch(/^(critical|warning)$/);
      expect(r.annotations.summary, r.alert).toContain('$labels.job');
      expect(r.annotations.description, r.alert).toContain('$labels.job');
      expect(r.for, r.alert).toBe('5m');
    }
  });

  it('takes every window and threshold as a parameter', () => {
    const text = renderRules({
      window: '1m',
      forDuration: '0s',
      errorRatio: 0.2,
      minRequests: 1,
      latencyP95Seconds: 2.5,
      ttftP95Seconds: 0.5,
      costBudgetUsdPerHour: 0.01,
      trafficLookback: '15m',
      evaluationInterval: '5s',
      qualityWindow: '30m',
      negativeFeedbackRatio: 0.4,
      minFeedback: 3,
    });
    expect(text).not.toMatch(/\[5m\]|for: 5m|\[1h\]/);
    for (const s of ['[1m]', 'for: 0s', ') > 0.2', '>= 1', '> 2.5', '> 0.5', '* 3600 > 0.01', '[15m]', 'interval: 5s'])
      expect(text).toContain(s);
    for (const s of ['score_count[30m])) >= 3', ') > 0.4']) expect(text).toContain(s);
    expect(renderRules({ costWindow: '30m', trafficWindow: '10m' })).toMatch(
      /cost_usd_total\[30m\][\s\S]*\[10m\]\)\) > 0/,
    );
  });

  it('budgets each named segment on its own, and every other segment with the default', () => {
    const rules = buildRules({ segmentBudgetsUsdPerHour: { free: 1, 'beta.eu': 2.5, default: 5 } }).groups[0].rules;
    const segment = rules.filter((r) => r.alert === 'PromptscopeSegmentOverBudget');
    expect(segment.map((r) => [r.labels.budget, r.expr])).toEqual([
      [
        'free',
        'sum by (job, promptscope_user_segment) (rate(promptscope_client_cost_usd_total{promptscope_user_segment="free"}[5m])) * 3600 > 1',
      ],
      [
        'beta.eu',
        'sum by (job, promptscope_user_segment) (rate(promptscope_client_cost_usd_total{promptscope_user_segment="beta.eu"}[5m])) * 3600 > 2.5',
      ],
      [
        'default',
        'sum by (job, promptscope_user_segment) (rate(promptscope_client_cost_usd_total{promptscope_user_segment!="", promptscope_user_segment!~"free|beta\\\\.eu"}[5m])) * 3600 > 5',
      ],
    ]);
    // no default: only the named segments are judged; the segment window follows costWindow
    const named = buildRules({ segmentBudgetsUsdPerHour: { enterprise: 20 }, costWindow: '1h' }).groups[0].rules;
    expect(named.filter((r) => r.alert === 'PromptscopeSegmentOverBudget').map((r) => r.expr)).toEqual([
      'sum by (job, promptscope_user_segment) (rate(promptscope_client_cost_usd_total{promptscope_user_segment="enterprise"}[1h])) * 3600 > 20',
    ]);
    expect(renderRules({ segmentBudgetsUsdPerHour: {} })).not.toContain('PromptscopeSegmentOverBudget');
  });

  it('rejects bad parameters', () => {
    expect(() => renderRules({ segmentBudgetsUsdPerHour: { free: -1 } })).toThrow(/segmentBudgetsUsdPerHour\.free/);
    expect(() => renderRules({ segmentBudgetsUsdPerHour: { '': 1 } })).toThrow(/segmentBudgetsUsdPerHour/);
    expect(() => renderRules({ segmentBudgetsUsdPerHour: 5 as unknown as Record<string, number> })).toThrow(
      /segmentBudgetsUsdPerHour/,
    );
    expect(() => renderRules({ window: '5 minutes' })).toThrow(/window/);
    expect(() => renderRules({ costBudgetUsdPerHour: Number.NaN })).toThrow(/costBudgetUsdPerHour/);
    expect(() => renderRules({ errorRatio: -1 })).toThrow(/errorRatio/);
    expect(() => renderRules({ qualityWindow: 'an hour' })).toThrow(/qualityWindow/);
    expect(() => renderRules({ minFeedback: -2 })).toThrow(/minFeedback/);
  });

  it('judges quality per prompt version from the negative (le="0.4") share of the feedback score', () => {
    const rule = buildRules().groups[0].rules.find((r) => r.alert === 'PromptscopeQualityDrop')!;
    expect(rule.expr).toContain(
      'sum by (job, gen_ai_prompt_name, gen_ai_prompt_version) (increase(promptscope_feedback_score_bucket{le="0.4"}[1h]))',
    );
    expect(rule.expr).toContain('(increase(promptscope_feedback_score_count[1h])) >= 20');
    expect(rule.expr).toMatch(/\) > 0\.3\nand/);
    expect(rule.labels.severity).toBe('warning');
  });

  it('alerts on the collectors in a group of their own: drops at once, queue and refusals after for', () => {
    const groups = buildRules({ collectorWindow: '2m', queueFillRatio: 0.5, forDuration: '1m' }).groups;
    expect(groups.map((g: any) => g.name)).toEqual(['promptscope', 'promptscope-collectors']);
    const rules = groups[1].rules as any[];
    expect(rules.map((r) => [r.alert, r.for, r.labels.severity])).toEqual([
      ['PromptscopeCollectorDroppingData', '0s', 'critical'],
      ['PromptscopeCollectorQueueFilling', '1m', 'warning'],
      ['PromptscopeCollectorRefusingData', '1m', 'warning'],
    ]);
    // every drop counter, growing or just created (its first sample already holds the drops)
    for (const name of ['otelcol_exporter_send_failed_spans', 'otelcol_exporter_enqueue_failed_metric_points'])
      expect(rules[0].expr).toContain(`(${name} unless ${name} offset 2m) > 0`);
    expect(rules[0].expr).toContain('(increase(otelcol_exporter_send_failed_log_records[2m])) > 0');
    expect(rules[1].expr).toContain('(otelcol_exporter_queue_size / otelcol_exporter_queue_capacity) > 0.5');
    expect(() => renderRules({ queueFillRatio: -1 })).toThrow(/queueFillRatio/);
    expect(() => renderRules({ collectorWindow: 'soon' })).toThrow(/collectorWindow/);
  });

  it('annotations link to the dashboards when grafanaUrl is set', () => {
    const text = renderRules({ grafanaUrl: 'http://grafana:3000/' });
    expect(text).toContain('http://grafana:3000/d/promptscope-provider-errors?var-job={{ $labels.job }}');
    expect(renderRules()).not.toContain('dashboard:');
  });

  it('keeps the defaults in the README table', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const [key, value] of Object.entries(DEFAULTS))
      if (typeof value === 'number' || (typeof value === 'string' && value))
        expect(readme, `README mentions ${key} = ${value}`).toMatch(new RegExp(`\`${key}\`[^\\n]*\`${value}\``));
  });
});

describe.skipIf(!has('promtool'))('promtool', () => {
  it('check rules: the committed rules and a fast rendering are valid', () => {
    const fast = join(tmp, 'fast.rules.yml');
    writeFileSync(fast, renderRules({ window: '1m', forDuration: '0s', minRequests: 1, evaluationInterval: '5s' }));
    const segments = join(root, 'tests/segment-budgets.rules.yml');
    const r = run('promtool', ['check', 'rules', rulesFile, fast, segments]);
    // 7 LLM alerts + 3 collector alerts; the segment-budgets rendering has 4 segment rules instead of 1
    expect(r.output).toContain('SUCCESS: 10 rules found');
    expect(r.output).toContain('SUCCESS: 13 rules found');
    expect(r.status, r.output).toBe(0);
  });

  it('test rules: every alert fires and stays silent as the unit tests expect', () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const text = testFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const alert of [...ALERTS, ...COLLECTOR_ALERTS]) {
      // a firing case (non-empty exp_alerts) and a silent case (exp_alerts: []) for each alert
      expect(text, alert).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts: \\[\\]`));
      expect(text, alert).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`));
    }
    const r = run('promtool', ['test', 'rules', ...testFiles]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('test rules fails on a wrong expectation (the unit tests can fail)', () => {
    const dir = join(tmp, 'broken');
    mkdirSync(dir, { recursive: true });
    const source = readFileSync(mainTests, 'utf8').replace('../rules/promptscope.rules.yml', rulesFile);
    // Expect the cost alert to be silent when it fires.
    const broken = source.replace(
      /(alertname: PromptscopeCostOverBudget\n\s+exp_alerts:)\n\s+- exp_labels:[\s\S]*?(?=\n\n|\n {2}#|$)/,
      '$1 []',
    );
    expect(broken).not.toBe(source);
    const file = join(dir, 'broken.test.yml');
    writeFileSync(file, broken);
    const r = run('promtool', ['test', 'rules', file]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/FAILED/);
    expect(r.output).toContain('PromptscopeCostOverBudget');
  });

  it('rules with a changed threshold break the expectations', () => {
    const dir = join(tmp, 'threshold');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'rules.yml'), renderRules({ costBudgetUsdPerHour: 20 }));
    const source = readFileSync(mainTests, 'utf8').replace('../rules/promptscope.rules.yml', join(dir, 'rules.yml'));
    writeFileSync(join(dir, 'x.test.yml'), source);
    const r = run('promtool', ['test', 'rules', join(dir, 'x.test.yml')]);
    expect(r.status).not.toBe(0);
  });
});

describe.skipIf(!has('amtool'))('amtool', () => {
  for (const file of ['alertmanager.yml', 'alertmanager.compose.yml'])
    it(`check-config ${file}`, () => {
      const r = run('amtool', ['check-config', join(root, file)]);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain('SUCCESS');
    });

  it('routes every severity to the webhook, resolved notifications on', () => {
    for (const severity of ['critical', 'warning']) {
      const r = run('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${join(root, 'alertmanager.yml')}`,
        `severity=${severity}`,
      ]);
      expect(r.output.trim().split('\n').at(0)).toBe('promptscope-webhook');
    }
    const am = readFileSync(join(root, 'alertmanager.yml'), 'utf8');
    expect(am).toContain('url: http://127.0.0.1:9097/alerts');
    expect(am).toContain('send_resolved: true');
  });

  it('the compose variant differs only in the webhook URL', () => {
    const body = (f: string) => {
      const text = readFileSync(join(root, f), 'utf8');
      return text.slice(text.indexOf('global:'));
    };
    expect(body('alertmanager.compose.yml')).toBe(
      body('alertmanager.yml').replace('http://127.0.0.1:9097/alerts', 'http://webhook:9097/alerts'),
    );
  });
});
