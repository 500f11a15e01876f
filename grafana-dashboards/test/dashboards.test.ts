import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allQueries, jaegerQueries, parseLogfmt, substitute } from '../queries.mjs';
import { dashboards, render } from '../src/index.mjs';
import { fixture } from './fixture.js';
import { hasBinary, startPrometheus, type ThrowawayPrometheus } from './prometheus.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const generated = dashboards();
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
const DS_VAR = '${datasource}';
const VARIABLES = ['datasource', 'job', 'provider', 'model', 'prompt', 'version'];
/** Variables beyond the standard ones, per dashboard. */
/** Dashboards on other metrics than the production GenAI ones, with their own variables. */
const OWN_VARIABLES: Record<string, { names: string[]; metric: string }> = {
  'promptscope-prompt-tests': {
    names: ['datasource', 'job', 'prompt', 'candidate', 'kind'],
    metric: 'promptscope_eval_cases_total',
  },
};
const EXTRA_VARIABLES: Record<string, string[]> = {
  'promptscope-prompt-versions': ['service', 'error_type'],
  'promptscope-segments': ['segment'],
};
const isJaeger = (t: any) => t.datasource?.type === 'jaeger';
/** The collectors' own metrics (otelcol_*): no app labels, so no variables apply. */
const isCollectorSelf = (expr: string) =>
  /otelcol_/.test(expr) && !/traces_span_metrics|gen_ai_|promptscope_/.test(expr);
const JAEGER_DS = { type: 'jaeger', uid: 'jaeger' };

describe('generated dashboards', () => {
  it('match the committed JSON (run `npm run dashboards` when this fails)', () => {
    const committed = readdirSync(`${root}/dashboards`).filter((f) => f.endsWith('.json'));
    expect(committed.sort(), 'dashboards/ holds exactly the generated files: run `npm run dashboards`').toEqual(
      generated.map((d) => d.file).sort(),
    );
    for (const { file, dashboard } of generated) {
      const text = readFileSync(`${root}/dashboards/${file}`, 'utf8');
      expect(text, `grafana-dashboards/dashboards/${file} differs from the generator: run \`npm run dashboards\``).toBe(
        render(dashboard),
      );
    }
  });

  it('have stable, unique uids and titles', () => {
    expect(generated.map((d) => d.dashboard.uid)).toEqual([
      'promptscope-llm-overview',
      'promptscope-prompt-versions',
      'promptscope-provider-errors',
      'promptscope-prompt-tests',
      'promptscope-segments',
    ]);
    expect(new Set(generated.map((d) => d.dashboard.title)).size).toBe(generated.length);
  });

  for (const { file, dashboard } of generated) {
    describe(file, () => {
      const panels = dashboard.panels as any[];

      it('has unique panel ids and non-overlapping grid positions inside 24 columns', () => {
        const ids = panels.map((p) => p.id);
        expect(new Set(ids).size).toBe(ids.length);
        const cells = new Set<string>();
        for (const p of panels) {
          const { x, y, w, h } = p.gridPos;
          expect(x + w, p.title).toBeLessThanOrEqual(24);
          for (let i = x; i < x + w; i++)
            for (let j = y; j < y + h; j++) {
              expect(cells.has(`${i},${j}`), `${p.title} overlaps`).toBe(false);
              cells.add(`${i},${j}`);
            }
        }
      });

      it('queries the datasource variable from every panel and target', () => {
        for (const p of panels.filter((p) => p.type !== 'row' && p.type !== 'text')) {
          // Trace searches query the provisioned Jaeger datasource, the rest the Prometheus variable.
          expect(p.datasource, p.title).toEqual(
            p.targets?.some(isJaeger) ? JAEGER_DS : { type: 'prometheus', uid: DS_VAR },
          );
          expect(p.targets.length, p.title).toBeGreaterThan(0);
          for (const t of p.targets) {
            expect(t.datasource, p.title).toEqual(p.datasource);
            expect(t.refId, p.title).toMatch(/^[A-Z]$/);
          }
          expect(new Set(p.targets.map((t: any) => t.refId)).size, p.title).toBe(p.targets.length);
        }
      });

      it('has the standard variables, each with an "All" that works', () => {
        const vars = dashboard.templating.list as any[];
        const own = OWN_VARIABLES[dashboard.uid];
        expect(vars.map((v) => v.name)).toEqual(
          own?.names ?? [...VARIABLES, ...(EXTRA_VARIABLES[dashboard.uid] ?? [])],
        );
        for (const v of vars.filter((v) => v.type === 'query')) {
          expect(v.datasource).toEqual({ type: 'prometheus', uid: DS_VAR });
          expect(
            v.definition.startsWith(`label_values(${own?.metric ?? 'gen_ai_client_operation_duration_seconds_count'}`),
          ).toBe(true);
          if (v.includeAll) expect(v.allValue, v.name).toBe('.*');
        }
      });

      it('filters every promptscope metric query by the variables', () => {
        for (const p of panels)
          for (const t of (p.targets ?? []).filter((t: any) => !isJaeger(t) && !isCollectorSelf(t.expr))) {
            expect(t.expr, p.title).toContain('=~"$job"');
            // Run metrics carry prompt, candidate and run kind; no provider, model or version.
            if (/promptscope_eval_/.test(t.expr)) {
              for (const v of ['prompt', 'candidate', 'kind']) expect(t.expr, p.title).toContain(`=~"$${v}"`);
              for (const v of ['provider', 'model', 'version']) expect(t.expr, p.title).not.toContain(`$${v}`);
              // one sample per run: increase() and rate() would see nothing
              expect(t.expr, p.title).not.toMatch(/increase\(|rate\(/);
              continue;
            }
            // The segment dashboard filters by segment too (but the overflow counter carries job only).
            if (dashboard.uid === 'promptscope-segments' && !/promptscope_segment_overflow/.test(t.expr))
              expect(t.expr, p.title).toContain('promptscope_user_segment=~"$segment"');
            // The route counters carry no model or prompt labels; provider errors carry the provider.
            if (/promptscope_provider_errors/.test(t.expr)) expect(t.expr, p.title).toContain('=~"$provider"');
            // Feedback carries the response model (matched with an optional date suffix) and no provider.
            if (/promptscope_feedback_/.test(t.expr)) {
              expect(t.expr, p.title).toContain('gen_ai_response_model=~"($model)(-[0-9]{4}-?[0-9]{2}-?[0-9]{2})?"');
              for (const v of ['prompt', 'version']) expect(t.expr, p.title).toContain(`=~"$${v}"`);
              expect(t.expr, p.title).not.toContain('$provider');
            } else if (
              !/promptscope_instrumentation_errors|promptscope_route_|promptscope_provider_errors|promptscope_segment_overflow/.test(
                t.expr,
              )
            )
              for (const v of ['provider', 'model', 'prompt', 'version'])
                expect(t.expr, p.title).toContain(`=~"$${v}"`);
          }
      });

      it('asks for exemplars on range queries of histogram latency panels', () => {
        const latency = panels.filter((p) => p.type === 'timeseries' && p.fieldConfig.defaults.unit === 's');
        // Cost by segment has no latency panel; Prompt tests shows latency per run in a table (runs export once).
        if (!['promptscope-segments', 'promptscope-prompt-tests'].includes(dashboard.uid))
          expect(latency.length).toBeGreaterThan(0);
        for (const p of latency) for (const t of p.targets) expect(t.exemplar, p.title).toBe(true);
      });
    });
  }

  it('llm overview has the panels the issue asks for', () => {
    const titles = generated[0].dashboard.panels.map((p: any) => p.title).join('\n');
    for (const want of [
      /Requests per second/,
      /Error ratio by provider, model and error.type/,
      /Latency p50 \/ p95 \/ p99/,
      /Time to first token p50 \/ p95/,
      /Tokens per second, input and output/,
      /Cost per hour by model/,
      /Cost per hour by prompt/,
      /Cost per day by model/,
      /Cost per day by prompt/,
    ])
      expect(titles).toMatch(want);
  });
});

describe('fallback route panels', () => {
  const provider = generated.find((d) => d.dashboard.uid === 'promptscope-provider-errors')!.dashboard;
  const panels = provider.panels as { targets?: { expr: string }[] }[];
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');

  it('provider errors shows fallbacks, route attempts by outcome and routed provider errors by error.type', () => {
    expect(exprs).toMatch(
      /sum by \(promptscope_route_name, promptscope_fallback_from, promptscope_fallback_to, promptscope_fallback_reason\) \(rate\(promptscope_route_fallbacks_total\{job=~"\$job"\}/,
    );
    expect(exprs).toMatch(
      /by \([^)]*promptscope_attempt_outcome[^)]*\) \(rate\(promptscope_route_attempts_total\{job=~"\$job"\}/,
    );
    expect(exprs).toMatch(
      /by \(gen_ai_provider_name, promptscope_route_target, error_type\) \(rate\(promptscope_provider_errors_total\{job=~"\$job", gen_ai_provider_name=~"\$provider"\}/,
    );
  });

  it('tags their queries with what they need in the data', () => {
    const routed = allQueries().filter((q) => q.requires.includes('routes'));
    expect(routed.length).toBeGreaterThanOrEqual(7);
    for (const q of routed) expect(q.dashboard).toBe('promptscope-provider-errors');
    expect(routed.filter((q) => q.requires.includes('fallbacks')).length).toBeGreaterThanOrEqual(4);
    expect(routed.filter((q) => q.requires.includes('route-errors')).length).toBe(2);
  });
});

describe('quality panels', () => {
  const exprs = (uid: string) =>
    (
      generated.find((d) => d.dashboard.uid === uid)!.dashboard.panels as {
        title: string;
        targets?: { expr: string }[];
      }[]
    )
      .flatMap((p) => (p.targets ?? []).map((t) => `${p.title}: ${t.expr}`))
      .join('\n');

  it('prompt versions shows feedback score, negative ratio and volume per version', () => {
    const text = exprs('promptscope-prompt-versions');
    expect(text).toMatch(
      /Feedback score by version: sum by \(gen_ai_prompt_version\) \(rate\(promptscope_feedback_score_sum\{[^\n]*\}\[\$__rate_interval\]\)\)\n\/\nsum by \(gen_ai_prompt_version\) \(rate\(promptscope_feedback_score_count/,
    );
    expect(text).toMatch(
      /Negative feedback ratio by version: [^\n]*promptscope_feedback_score_bucket\{[^\n]*, le="0\.4"\}/,
    );
    expect(text).toMatch(
      /Feedback per second by version and kind: [^\n]*promptscope_feedback_kind\) \(rate\(promptscope_feedback_count_total/,
    );
    expect(text).not.toMatch(/join this dashboard when/);
    expect(allQueries().filter((q) => q.requires.includes('feedback')).length).toBeGreaterThanOrEqual(8);
  });

  it('llm overview has a quality stat', () => {
    expect(exprs('promptscope-llm-overview')).toMatch(/Feedback score: [^\n]*increase\(promptscope_feedback_score_sum/);
  });
});

describe('segment panels', () => {
  const seg = generated.find((d) => d.dashboard.uid === 'promptscope-segments')!.dashboard;
  const text = (seg.panels as { title: string; targets?: { expr: string }[] }[])
    .flatMap((p) => (p.targets ?? []).map((t) => `${p.title}: ${t.expr}`))
    .join('\n');

  it('Cost by segment has cost over time, tokens, top spenders, cost per call by segment and version, overflow', () => {
    expect(text).toMatch(
      /Cost per hour by segment: sum by \(promptscope_user_segment\) \(rate\(promptscope_client_cost_usd_total\{[^}]*promptscope_user_segment=~"\$segment"\}\[\$__rate_interval\]\)\) \* 3600/,
    );
    expect(text).toMatch(
      /Tokens per second by segment[^:]*: sum by \(promptscope_user_segment, gen_ai_token_type\) \(rate\(gen_ai_client_token_usage_sum/,
    );
    expect(text).toMatch(
      /Top segments by spend[^:]*: topk\(10, sum by \(promptscope_user_segment\) \(increase\(promptscope_client_cost_usd_total\{[^}]*\}\[\$__range\]\)\)\)/,
    );
    expect(text).toMatch(
      /Cost per call by segment and prompt version: sum by \(promptscope_user_segment, gen_ai_prompt_name, gen_ai_prompt_version\) \(rate\(promptscope_client_cost_usd_total[^\n]*\n\/\nsum by \(promptscope_user_segment, gen_ai_prompt_name, gen_ai_prompt_version\) \(rate\(gen_ai_client_operation_duration_seconds_count/,
    );
    expect(text).toContain('sum (increase(promptscope_segment_overflow_total{job=~"$job"}[$__range])) or vector(0)');
    const variable = (seg.templating.list as any[]).find((v) => v.name === 'segment');
    expect(variable.definition).toBe(
      'label_values(gen_ai_client_operation_duration_seconds_count{job=~"$job", gen_ai_provider_name=~"$provider", gen_ai_request_model=~"$model", gen_ai_prompt_name=~"$prompt"}, promptscope_user_segment)',
    );
    expect(variable.allValue).toBe('.*');
  });
});

describe('worst completions, one click away', () => {
  const pv = generated.find((d) => d.dashboard.uid === 'promptscope-prompt-versions')!.dashboard;
  const panels = pv.panels as any[];

  it('feedback and error panels ask for exemplars (the failed-call one from spanmetrics, whose exemplars exist)', () => {
    for (const title of [
      'Feedback score by version',
      'Negative feedback ratio by version',
      'Time to failure by version (exemplars open the failed trace)',
    ]) {
      const p = panels.find((p) => p.title === title);
      expect(p, title).toBeDefined();
      for (const t of p.targets) expect(t.exemplar, title).toBe(true);
    }
    const failure = panels.find((p) => p.title.startsWith('Time to failure by version'));
    expect(failure.targets[0].expr).toContain('traces_span_metrics_duration_seconds_bucket{');
    expect(failure.targets[0].expr).toContain('status_code="STATUS_CODE_ERROR"');
  });

  it('trace search panels query Jaeger for the thumbs-down and the failed completions of each selected version', () => {
    const searches = panels.filter((p) => p.targets?.some(isJaeger));
    expect(searches.map((p) => p.title)).toEqual([
      'Thumbs down on $prompt v$version',
      'Failed completions of $prompt v$version ($error_type)',
    ]);
    for (const p of searches) {
      expect(p.type).toBe('table');
      expect(p.datasource).toEqual(JAEGER_DS);
      // Jaeger matches exact tag values: one panel per selected version
      expect(p.repeat).toBe('version');
      expect(p.targets).toHaveLength(1);
      const [t] = p.targets;
      expect(t).toMatchObject({ refId: 'A', datasource: JAEGER_DS, queryType: 'search', service: '$service' });
      expect(parseLogfmt(t.tags)).toMatchObject({
        'gen_ai.prompt.name': '$prompt',
        'gen_ai.prompt.version': '$version',
      });
    }
    expect(parseLogfmt(searches[0].targets[0].tags)['gen_ai.evaluation.score.label']).toBe('fail');
    expect(parseLogfmt(searches[1].targets[0].tags)['error.type']).toBe('$error_type');
    const errorType = (pv.templating.list as any[]).find((v) => v.name === 'error_type');
    expect(errorType).toMatchObject({ multi: false, includeAll: false });
    expect(errorType.definition).toContain('error_type!=""}, error_type)');
    // the service variable: one Jaeger service (service.name), from the selected jobs and prompt
    const service = (pv.templating.list as any[]).find((v) => v.name === 'service');
    expect(service).toMatchObject({ multi: false, includeAll: false });
    expect(service.definition).toMatch(/, service_name\)$/);
  });

  it('jaegerQueries lists them with variables substituted; allQueries (PromQL only) leaves them out', () => {
    const q = jaegerQueries({
      substitute: { service: 'demo', prompt: 'support-reply', version: '2', error_type: '500' },
    });
    expect(q.map((x) => [x.dashboard, x.service, x.tags])).toEqual([
      [
        'promptscope-prompt-versions',
        'demo',
        {
          'gen_ai.prompt.name': 'support-reply',
          'gen_ai.prompt.version': '2',
          'gen_ai.evaluation.score.label': 'fail',
        },
      ],
      [
        'promptscope-prompt-versions',
        'demo',
        { 'gen_ai.prompt.name': 'support-reply', 'gen_ai.prompt.version': '2', 'error.type': '500' },
      ],
    ]);
    const url = new URL(q[1].url('http://127.0.0.1:16686/', 1, 2));
    expect(url.pathname).toBe('/api/traces');
    expect(JSON.parse(url.searchParams.get('tags')!)).toEqual(q[1].tags);
    expect(url.searchParams.get('service')).toBe('demo');
    expect(() => jaegerQueries()).toThrow(/\$service/);
    for (const x of allQueries()) expect(x.expr).not.toContain('queryType');
    expect(parseLogfmt('a="x y" b=z c="q\\"r"')).toEqual({ a: 'x y', b: 'z', c: 'q"r' });
  });
});

describe('scaled-out collectors', () => {
  const overview = generated[0].dashboard;
  const targets = (overview.panels as any[]).flatMap((p) =>
    (p.targets ?? []).map((t: any) => ({ panel: p.title, ...t })),
  );

  it('every span-metric query sums (or quantiles over) the gateways: no panel keeps promptscope_gateway unless it shows it', () => {
    const span = allQueries().filter((q) => /traces_span_metrics/.test(q.template));
    expect(span.length).toBeGreaterThanOrEqual(3);
    for (const q of span) {
      // every selection of span-metric series sits inside an aggregation
      expect(q.template, q.panel).toMatch(/^(sum|histogram_quantile\(\S+, sum) by \(/);
      const keeps = /by \(([^)]*)\)/.exec(q.template)?.[1] ?? '';
      if (q.panel.startsWith('Spans per second by gateway')) expect(keeps).toBe('promptscope_gateway');
      else expect(keeps, q.panel).not.toContain('promptscope_gateway');
    }
  });

  it('has a collector row: drops, queue fill and refusals of every collector, one target per counter', () => {
    const row = targets.filter((t) => isCollectorSelf(t.expr));
    const panels = [...new Set(row.map((t) => t.panel))];
    expect(panels).toEqual([
      'Dropped by collectors (per second)',
      'Sending queue fill',
      'Refused by collectors (per second)',
    ]);
    const of = (panel: string) => row.filter((t) => t.panel === panel).map((t) => t.expr);
    const dropped = of('Dropped by collectors (per second)');
    expect(dropped).toHaveLength(6);
    expect(dropped[0]).toBe(
      'sum by (instance, exporter) (rate(otelcol_exporter_send_failed_spans[$__rate_interval])) or on() vector(0)',
    );
    expect(dropped[5]).toBe(
      'sum by (instance, exporter) (rate(otelcol_exporter_enqueue_failed_log_records[$__rate_interval]))',
    );
    // never a regex on __name__ inside rate(): two counters differing only by name would make the query fail
    for (const expr of row.map((t) => t.expr)) expect(expr).not.toContain('__name__');
    expect(of('Sending queue fill')).toEqual([
      'max by (instance, exporter) (otelcol_exporter_queue_size / otelcol_exporter_queue_capacity)',
    ]);
    expect(of('Refused by collectors (per second)')).toHaveLength(3);
  });
});

describe('provisioning', () => {
  const datasources = readFileSync(`${root}/provisioning/datasources/datasources.yaml`, 'utf8');
  const providers = readFileSync(`${root}/provisioning/dashboards/dashboards.yaml`, 'utf8');

  it('provisions Prometheus and Jaeger with the uids the dashboards use, exemplars linked to Jaeger', () => {
    expect(datasources).toMatch(/^apiVersion: 1$/m);
    expect(datasources).toContain('uid: prometheus\n');
    expect(datasources).toContain('uid: jaeger\n');
    expect(datasources).toContain('url: http://prometheus:9090');
    expect(datasources).toContain('url: http://jaeger:16686');
    expect(datasources).toMatch(/exemplarTraceIdDestinations:\s*\n\s*- name: trace_id\s*\n\s*datasourceUid: jaeger/);
    expect(datasources).not.toMatch(/\t/);
  });

  it('loads the dashboards from the directory compose mounts', () => {
    expect(providers).toMatch(/^apiVersion: 1$/m);
    expect(providers).toContain('type: file');
    expect(providers).toContain('path: /var/lib/grafana/dashboards');
    expect(providers).not.toMatch(/\t/);
  });
});

describe('queries', () => {
  const queries = allQueries();

  it('substitutes every variable, with All = .* by default', () => {
    expect(queries.length).toBeGreaterThan(40);
    for (const q of queries) expect(q.expr, q.template).not.toMatch(/\$/);
    expect(substitute('x{a=~"$model"}[$__rate_interval]', { model: 'gpt-4o' })).toBe('x{a=~"gpt-4o"}[1m]');
    expect(() => substitute('x{a=~"$modle"}')).toThrow(/modle/);
  });

  describe.skipIf(!hasBinary('prometheus') || !hasBinary('promtool'))('against a throwaway Prometheus 2.42', () => {
    let prom: ThrowawayPrometheus;
    let end: number;

    beforeAll(async () => {
      const data = fixture();
      end = data.end;
      prom = await startPrometheus(data.openMetrics);
    }, 60_000);
    afterAll(async () => prom?.stop());

    it('every expression parses and evaluates', async () => {
      const failures: string[] = [];
      for (const q of queries) {
        const r = await prom.query(q.expr, end);
        if (r.status !== 'success') failures.push(`${q.dashboard} / ${q.panel}: ${r.error}\n  ${q.expr}`);
      }
      expect(failures).toEqual([]);
    });

    it('every expression returns data from realistic telemetry (All selected)', async () => {
      const empty: string[] = [];
      for (const q of queries) {
        const r = await prom.query(q.expr, end);
        if (!r.data?.result.length) empty.push(`${q.dashboard} / ${q.panel} ${q.refId ?? ''}\n  ${q.expr}`);
      }
      expect(empty).toEqual([]);
    });

    it('every expression returns data with one value picked in each variable', async () => {
      const picked = {
        job: 'demo',
        provider: 'openai',
        model: 'gpt-4o-mini',
        prompt: 'support-reply',
        version: '(1|2)',
        __range: '30m',
      };
      // the run metrics come from the test and replay CLIs' services, not the app's
      const pickedRuns = {
        ...picked,
        job: '(promptscope-test|promptscope-replay)',
        candidate: 'v2',
        kind: '(test|replay)',
      };
      const empty: string[] = [];
      const queries = [
        ...allQueries({ substitute: picked }).filter((q) => !q.requires.includes('eval-runs')),
        ...allQueries({ substitute: pickedRuns }).filter((q) => q.requires.includes('eval-runs')),
      ];
      for (const q of queries) {
        if (q.requires.includes('instrumentation-errors')) continue;
        const r = await prom.query(q.expr, end);
        if (!r.data?.result.length) empty.push(`${q.dashboard} / ${q.panel}\n  ${q.expr}`);
      }
      expect(empty).toEqual([]);
    });

    it('computes the error ratio and latency the fixture implies', async () => {
      const ratio = queries.find((q) => q.dashboard === 'promptscope-provider-errors' && q.panel === 'Error ratio')!;
      const r: any = await prom.query(ratio.expr, end);
      // per 8 steps per version: 24 ok + 2 × 429 + 1 × 500; plus 4 unprompted ok calls per 8 steps overall
      expect(Number(r.data.result[0].value[1])).toBeCloseTo(6 / (2 * 27 + 4), 2);
      const p50 = queries.find((q) => q.panel === 'Latency p50 / p95 / p99 by model' && q.refId === 'A')!;
      const res: any = await prom.query(p50.expr, end);
      const byModel = Object.fromEntries(res.data.result.map((s: any) => [s.metric.gen_ai_request_model, +s.value[1]]));
      expect(byModel['my-llama']).toBeGreaterThan(1.28);
      expect(byModel['my-llama']).toBeLessThanOrEqual(2.56);
    });

    it('computes the feedback score and negative ratio per version the fixture implies', async () => {
      const at = async (panel: string) => {
        const q = queries.find((q) => q.panel === panel)!;
        const r = await prom.query(q.expr, end);
        const series = (r.data?.result ?? []) as { metric: Record<string, string>; value: [number, string] }[];
        return Object.fromEntries(series.map((s) => [s.metric.gen_ai_prompt_version, Number(s.value[1])]));
      };
      // per 4 steps: v1 thumbs 1,1,1,0 + implicit 1,0 -> mean 4/6, negative 2/6; v2 thumbs 1,1,0,0 + 1,0 -> 3/6, 3/6
      const mean = await at('Feedback score by version');
      expect(mean['1']).toBeCloseTo(4 / 6, 2);
      expect(mean['2']).toBeCloseTo(3 / 6, 2);
      const negative = await at('Negative feedback ratio by version');
      expect(negative['1']).toBeCloseTo(2 / 6, 2);
      expect(negative['2']).toBeCloseTo(3 / 6, 2);
    });

    it('computes cost by segment and the top spender the fixture implies', async () => {
      const at = async (panel: string) => {
        const q = queries.find((q) => q.panel === panel)!;
        const r = await prom.query(q.expr, end);
        return ((r.data?.result ?? []) as { metric: Record<string, string>; value: [number, string] }[]).map(
          (s) => [s.metric.promptscope_user_segment, Number(s.value[1])] as const,
        );
      };
      // per 15 s step: free 3 × 0.0003 USD, enterprise 3 × 0.0009 USD
      const perHour = Object.fromEntries(await at('Cost per hour by segment'));
      expect(perHour.free).toBeCloseTo((0.0009 / 15) * 3600, 4);
      expect(perHour.enterprise).toBeCloseTo((0.0027 / 15) * 3600, 4);
      const top = await at('Top segments by spend (selected time range)');
      expect(top.map(([s]) => s).sort()).toEqual(['enterprise', 'free']);
      const picked = allQueries({ substitute: { segment: 'enterprise' } }).filter(
        (q) => q.dashboard === 'promptscope-segments' && q.kind === 'panel' && !/overflow/.test(q.expr),
      );
      for (const q of picked) {
        const r: any = await prom.query(q.expr, end);
        expect(r.data?.result.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
        for (const s of r.data.result)
          if (s.metric.promptscope_user_segment !== undefined)
            expect(s.metric.promptscope_user_segment).toBe('enterprise');
      }
      const overflow = queries.find((q) => /promptscope_segment_overflow/.test(q.expr))!;
      const r: any = await prom.query(overflow.expr, end);
      expect(Number(r.data.result[0].value[1])).toBeGreaterThan(0);
    });

    it('sums the span metrics of both gateways, and shows the collectors the fixture holds', async () => {
      const at = async (panel: string) => {
        const q = queries.find((q) => q.panel === panel)!;
        return ((await prom.query(q.expr, end)).data?.result ?? []) as {
          metric: Record<string, string>;
          value: [number, string];
        }[];
      };
      // each gateway, for each of the two prompt versions: one 429 error span every 4 steps of 15 s; the panel
      // (by service and span name) shows all four
      const errors = await at('Error spans per second (spanmetrics)');
      expect(errors).toHaveLength(1);
      expect(Number(errors[0].value[1])).toBeCloseTo((2 * 2) / 60, 3);
      const perGateway = await at('Spans per second by gateway (span metrics)');
      expect(perGateway.map((s) => s.metric.promptscope_gateway).sort()).toEqual(['gateway-1', 'gateway-2']);
      const dropped = await at('Dropped by collectors (per second)'); // its first target: send_failed_spans
      expect(dropped.map((s) => [s.metric.instance, s.metric.exporter, Number(s.value[1]).toFixed(3)])).toEqual([
        ['127.0.1.1:8888', 'otlp_grpc/jaeger', (3 / 15).toFixed(3)],
      ]);
      const fill = await at('Sending queue fill');
      expect(Number(fill[0].value[1])).toBeCloseTo(0.25, 5);
      const refused = await at('Refused by collectors (per second)');
      expect(refused[0].metric.instance).toBe('127.0.0.1:8888');
    });

    it('computes the fallbacks per routed call the fixture implies', async () => {
      const q = queries.find((q) => q.panel === 'Fallbacks per routed call')!;
      const r = await prom.query(q.expr, end);
      const [sample] = (r.data?.result ?? []) as { value: [number, string] }[];
      // per 4 steps: 1 fallback over 4 first attempts
      expect(Number(sample?.value[1])).toBeCloseTo(0.25, 2);
    });

    it('sums test and replay runs the fixture holds: one series per run, counted once however long the range', async () => {
      type Row = { metric: Record<string, string>; value: [number, string] };
      const run = async (panel: string, refId = 'A', values: Record<string, string> = {}) => {
        const q = allQueries({ substitute: values }).find(
          (q) => q.dashboard === 'promptscope-prompt-tests' && q.panel === panel && q.refId === refId,
        )!;
        expect(q, panel).toBeDefined();
        return ((await prom.query(q.expr, end)).data?.result ?? []) as Row[];
      };
      const one = async (panel: string, values?: Record<string, string>) =>
        Number((await run(panel, 'A', values))[0]?.value[1]);
      expect(await one('Test pass rate')).toBeCloseTo(2 / 3, 6);
      expect(await one('Failed test cases')).toBe(1);
      // both replays in the last hour; the older one is outside 30 minutes; v1 alone
      expect(await one('Replay regressions')).toBe(2);
      expect(await one('Replay regressions', { __range: '30m' })).toBe(1);
      expect(await one('Replay regressions', { candidate: 'v1' })).toBe(1);
      expect(await one('Replay regressions', { kind: 'test' })).toBe(0);
      expect(await one('Run cost')).toBeCloseTo(0.002 + 2 * 0.005, 9);
      // the candidates table: runs (distinct instances), failed and regressed cells at 0 rather than blank
      const table = async (refId: string) =>
        Object.fromEntries(
          (await run('Candidates', refId)).map((r) => [
            `${r.metric.promptscope_eval_candidate} ${r.metric.promptscope_run_kind}`,
            Number(r.value[1]),
          ]),
        );
      expect(await table('A')).toEqual({ 'v2 test': 1, 'v2 replay': 1, 'v1 replay': 1 });
      expect(await table('B')).toEqual({ 'v2 test': 3, 'v2 replay': 5, 'v1 replay': 5 });
      expect(await table('D')).toEqual({ 'v2 test': 1 });
      expect(await table('E')).toEqual({ 'v2 replay': 1, 'v1 replay': 1 });
      // latency by side over runs: the candidate answered faster than the recorded baseline
      const p50 = Object.fromEntries(
        (await run('Latency by side', 'A', { candidate: 'v2', kind: 'replay' })).map((r) => [
          r.metric.promptscope_eval_side,
          Number(r.value[1]),
        ]),
      );
      expect(p50.candidate).toBeGreaterThan(0.16);
      expect(p50.candidate).toBeLessThan(p50.baseline);
      const verdicts = await run('Judge verdicts');
      expect(
        verdicts
          .map((r) => [r.metric.promptscope_eval_candidate, r.metric.promptscope_eval_verdict, r.value[1]])
          .sort(),
      ).toEqual([
        ['v1', 'baseline', '1'],
        ['v1', 'candidate', '1'],
        ['v2', 'baseline', '1'],
        ['v2', 'candidate', '1'],
      ]);
    });
  });
});
