// Every PromQL expression of every dashboard panel (and the series behind each variable), with the
// dashboard variables substituted, for tests that run them against a live Prometheus.
//
//   import { allQueries } from './grafana-dashboards/queries.mjs';
//   for (const q of allQueries({ substitute: { prompt: 'support-reply', __range: '5m' } })) { ... q.expr ... }
//
// Defaults: every dashboard variable (job, provider, model, prompt, version) = `.*` (what "All" sends),
// $__rate_interval = $__interval = 1m, $__range = 1h. `requires` says what data a query needs before it can
// return anything: 'errors' (a failed call), 'streams' (a successful stream: TTFT), 'cost' (a priced call),
// 'spanmetrics' (the collector's spanmetrics connector), 'instrumentation-errors' (normally never), 'routes'
// (a call through a createRoute route), 'fallbacks' (a routed call that fell back), 'route-errors' (a failed
// attempt of a routed call), 'feedback' (feedback recorded with @promptscope/feedback on a prompt's completion),
// 'collector-failures' (a collector dropped or refused data of that kind), 'eval-runs' (a promptscope test or
// replay run exported its run metrics), 'judge' (a replay run asked a pairwise judge).
// Jaeger trace search panels are not PromQL: they are left out of allQueries(); jaegerQueries() lists them.
import { dashboards } from './src/index.mjs';

export const DEFAULT_SUBSTITUTE = Object.freeze({
  job: '.*',
  provider: '.*',
  model: '.*',
  prompt: '.*',
  version: '.*',
  segment: '.*',
  candidate: '.*',
  kind: '.*',
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
});

/** Replace `$name` / `${name}` by values; throws on a variable with no value (a typo in a dashboard). */
export function substitute(template, values = {}) {
  const v = { ...DEFAULT_SUBSTITUTE, ...values };
  return template.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a, b) => {
    const name = a ?? b;
    if (!(name in v)) throw new Error(`no value for variable ${m} in: ${template}`);
    return String(v[name]);
  });
}

/** What a query needs in the data to return anything (see the header). */
export function requirements(expr) {
  const r = [];
  if (/error_type!=""|error_type=~?"[^"]/.test(expr) && !/ or /.test(expr)) r.push('errors');
  if (/time_to_first_chunk|time_per_output_chunk/.test(expr)) r.push('streams');
  if (/promptscope_client_cost_usd/.test(expr)) r.push('cost');
  if (/traces_span_metrics/.test(expr)) r.push('spanmetrics');
  if (/promptscope_instrumentation_errors/.test(expr)) r.push('instrumentation-errors');
  if (/promptscope_route_|promptscope_provider_errors/.test(expr)) r.push('routes');
  if (/promptscope_route_fallbacks/.test(expr)) r.push('fallbacks');
  if (/promptscope_provider_errors/.test(expr)) r.push('route-errors');
  if (/promptscope_feedback_/.test(expr)) r.push('feedback');
  if (/promptscope_eval_/.test(expr)) r.push('eval-runs');
  if (/promptscope_eval_judge_/.test(expr)) r.push('judge');
  // a collector's failure counters exist from its first failure (the first of a panel's targets falls back to 0)
  if (
    /otelcol_exporter_(send|enqueue)_failed_|otelcol_receiver_refused_/.test(expr) &&
    !/ or on\(\) vector\(0\)/.test(expr)
  )
    r.push('collector-failures');
  return r;
}

/**
 * @param {{ substitute?: Record<string, string> }} [options]
 * @returns {{ dashboard: string, panel: string, panelId?: number, refId?: string, kind: 'panel' | 'variable',
 *   instant: boolean, template: string, expr: string, requires: string[] }[]}
 */
export function allQueries({ substitute: values = {} } = {}) {
  const out = [];
  for (const { dashboard } of dashboards()) {
    for (const variable of dashboard.templating.list) {
      if (variable.type !== 'query') continue;
      const m = /^label_values\((.+),\s*\w+\)$/.exec(variable.definition);
      if (!m) throw new Error(`unexpected variable query ${variable.definition}`);
      out.push({
        dashboard: dashboard.uid,
        panel: `variable ${variable.name}`,
        kind: 'variable',
        instant: true,
        template: m[1],
        expr: substitute(m[1], values),
        requires: requirements(m[1]),
      });
    }
    for (const panel of dashboard.panels) {
      for (const t of panel.targets ?? []) {
        if (isJaeger(t)) continue;
        out.push({
          dashboard: dashboard.uid,
          panel: panel.title,
          panelId: panel.id,
          refId: t.refId,
          kind: 'panel',
          instant: t.instant === true,
          template: t.expr,
          expr: substitute(t.expr, values),
          requires: requirements(t.expr),
        });
      }
    }
  }
  return out;
}

const isJaeger = (t) => t.datasource?.type === 'jaeger';

/** Grafana's logfmt tags (`a="x" b=y`) as an object of strings. */
export function parseLogfmt(text) {
  const tags = {};
  const re = /([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  for (const m of text.matchAll(re)) tags[m[1]] = m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : m[3];
  return tags;
}

/**
 * Every Jaeger trace search panel, with variables substituted (no defaults for `service`, and `version` must be
 * one exact value, as in a panel repeated per version): what Grafana sends to Jaeger's `/api/traces`.
 * @param {{ substitute?: Record<string, string> }} [options]
 * @returns {{ dashboard: string, panel: string, panelId: number, refId: string, repeat?: string,
 *   template: Record<string, unknown>, service: string, tags: Record<string, string>, minDuration?: string,
 *   limit?: number, url: (base: string, startUs: number, endUs: number) => string }[]}
 */
export function jaegerQueries({ substitute: values = {} } = {}) {
  const out = [];
  for (const { dashboard } of dashboards()) {
    for (const panel of dashboard.panels) {
      for (const t of (panel.targets ?? []).filter(isJaeger)) {
        const service = substitute(t.service, values);
        const tags = Object.fromEntries(
          Object.entries(parseLogfmt(t.tags ?? '')).map(([k, v]) => [k, substitute(v, values)]),
        );
        const { minDuration, limit } = t;
        out.push({
          dashboard: dashboard.uid,
          panel: panel.title,
          panelId: panel.id,
          refId: t.refId,
          repeat: panel.repeat,
          template: t,
          service,
          tags,
          minDuration,
          limit,
          url: (base, startUs, endUs) =>
            `${base.replace(/\/+$/, '')}/api/traces?${new URLSearchParams({
              service,
              tags: JSON.stringify(tags),
              start: String(startUs),
              end: String(endUs),
              limit: String(limit ?? 20),
              ...(minDuration ? { minDuration } : {}),
            })}`,
        });
      }
    }
  }
  return out;
}
