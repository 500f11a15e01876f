import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allQueries, substitute } from '../queries.mjs';
import { dashboards, render } from '../src/index.mjs';
import { fixture } from './fixture.js';
import { hasBinary, startPrometheus, type ThrowawayPrometheus } from './prometheus.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const generated = dashboards();
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
const DS_VAR = '${datasource}';
const VARIABLES = ['datasource', 'job', 'provider', 'model', 'prompt', 'version'];

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
          expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: DS_VAR });
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
        expect(vars.map((v) => v.name)).toEqual(VARIABLES);
        for (const v of vars.filter((v) => v.type === 'query')) {
          expect(v.datasource).toEqual({ type: 'prometheus', uid: DS_VAR });
          expect(v.definition).toMatch(/^label_values\(gen_ai_client_operation_duration_seconds_count/);
          if (v.includeAll) expect(v.allValue, v.name).toBe('.*');
        }
      });

      it('filters every promptscope metric query by the variables', () => {
        for (const p of panels)
          for (const t of p.targets ?? []) {
            expect(t.expr, p.title).toContain('=~"$job"');
            // The route counters carry no model or prompt labels; provider errors carry the provider.
            if (/promptscope_provider_errors/.test(t.expr)) expect(t.expr, p.title).toContain('=~"$provider"');
            // Feedback carries the response model (matched with an optional date suffix) and no provider.
            if (/promptscope_feedback_/.test(t.expr)) {
              expect(t.expr, p.title).toContain('gen_ai_response_model=~"($model)(-[0-9]{4}-?[0-9]{2}-?[0-9]{2})?"');
              for (const v of ['prompt', 'version']) expect(t.expr, p.title).toContain(`=~"$${v}"`);
              expect(t.expr, p.title).not.toContain('$provider');
            } else if (
              !/promptscope_instrumentation_errors|promptscope_route_|promptscope_provider_errors/.test(t.expr)
            )
              for (const v of ['provider', 'model', 'prompt', 'version'])
                expect(t.expr, p.title).toContain(`=~"$${v}"`);
          }
      });

      it('asks for exemplars on range queries of histogram latency panels', () => {
        const latency = panels.filter((p) => p.type === 'timeseries' && p.fieldConfig.defaults.unit === 's');
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
      const empty: string[] = [];
      for (const q of allQueries({ substitute: picked })) {
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

    it('computes the fallbacks per routed call the fixture implies', async () => {
      const q = queries.find((q) => q.panel === 'Fallbacks per routed call')!;
      const r = await prom.query(q.expr, end);
      const [sample] = (r.data?.result ?? []) as { value: [number, string] }[];
      // per 4 steps: 1 fallback over 4 first attempts
      expect(Number(sample?.value[1])).toBeCloseTo(0.25, 2);
    });
  });
});
