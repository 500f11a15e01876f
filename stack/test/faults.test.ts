// The fault campaign of the two-tier pipeline (agent -> gateways -> Jaeger + Prometheus), each scenario a bounded run
// on loopback with the real collector (agent.yaml, gateway.yaml), Jaeger v2 on Badger and Prometheus 2.42, started on
// free ports by harness.ts. Scenarios are independent (own agents and gateways, own service names) and run at once.
//
//   totals     1, 2 and 3 gateways, the same traffic: the same span-metric and app-metric totals, the same dashboards
//   restart    a gateway restarted, then both gateways down while the agent restarts: every accepted span in Jaeger
//   outage     Jaeger down for a minute: nothing lost within the queue limits; beyond them drops counted and alerted
//   killed     a gateway SIGKILLed mid-run (DNS resolver): traffic moves to the others; loss and split traces measured
//
// In each of restart, outage and killed the real demo app runs through the fault: it must answer exactly as without
// any fault, and exit within its shutdown deadline. Figures (spans lost, gaps, duplicates) are printed and stated in
// docs/scaling.md. Runs under the shared lock with the rest of the suite (it does not use the stack's fixed ports).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startOtlpReceiver } from '@promptscope/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAlertRules } from '../lib/config.mjs';
import {
  type AppRun,
  fanOut,
  gatewayOf,
  jaegerHolds,
  longestGap,
  REGISTER_DIST,
  runApp,
  SHUTDOWN_DEADLINE_MS,
  scalar,
  Traffic,
  until,
} from './faults-kit.js';
import {
  canUnshare,
  type Jaeger,
  type Prometheus,
  selfMetric,
  startJaeger,
  startPrometheus,
  startTiers,
  type Tiers,
} from './harness.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Every trace kept, so Jaeger must hold every accepted span. */
const KEEP_ALL = { PROMPTSCOPE_SAMPLING_PERCENTAGE: '100' };

const tmp = mkdtempSync(join(tmpdir(), 'promptscope-faults-'));
let jaeger: Jaeger;
let prometheus: Prometheus;
let reference: AppRun;
const running: Tiers[] = [];
const scrape: string[] = [];
const figures: string[] = [];
const report = (line: string) => {
  figures.push(line);
  console.log(`[faults] ${line}`);
};

function expectUnhurt(app: AppRun, what: string) {
  expect(app.code, `${what}: the app's exit code\n${app.out}`).toBe(0);
  expect(app.summary, what).toBe(reference.summary);
  // A behaviour bound, not a benchmark: the shutdown deadline plus a margin for process teardown.
  expect(app.exitAfterMs, `${what}: exit after the last call`).toBeLessThan(SHUTDOWN_DEADLINE_MS + 2000);
  expect(app.out, what).not.toMatch(/Unhandled|TypeError|ReferenceError/);
  report(
    `${what}: app answered as without faults (${app.summary.slice(6)}), exited ${app.exitAfterMs} ms after its last call`,
  );
}

async function tiers(opts: Parameters<typeof startTiers>[0]) {
  const t = await startTiers(opts);
  running.push(t);
  scrape.push(t.agentMetrics.replace(/^http:\/\/|\/metrics$/g, ''), ...t.gatewayMetrics);
  return t;
}

/** Raw samples of `selector` over the last `range`, and the longest gap between two of them (seconds). */
beforeAll(async () => {
  if (!existsSync(REGISTER_DIST)) throw new Error(`${REGISTER_DIST} missing: run npm run build first`);
  const receiver = await startOtlpReceiver();
  [jaeger, prometheus, reference] = await Promise.all([
    startJaeger(join(tmp, 'shared')),
    startPrometheus(join(tmp, 'prometheus'), { rules: await renderAlertRules({ fast: true }) }),
    // The same app and script with a plain receiver: what every faulted run must answer.
    runApp('faults-reference', receiver.url),
  ]);
  await receiver.close();
  expect(reference.code, reference.out).toBe(0);
  expect(reference.summary).toMatch(/\[app\] 40 calls: \d+ answered/);
}, 300_000);

afterAll(async () => {
  for (const t of running) await t.stop().catch(() => {});
  await jaeger?.stop();
  await prometheus?.stop();
  rmSync(tmp, { recursive: true, force: true });
  if (figures.length) console.log(`[faults] summary:\n  ${figures.join('\n  ')}`);
}, 120_000);

describe.concurrent('two-tier fault campaign', () => {
  it('1, 2 and 3 gateways give the same totals and the same dashboards for the same traffic', async () => {
    // One app run, every export request fanned out to three pipelines (1, 2 and 3 gateways), each with its own
    // Jaeger and Prometheus: the app metrics are the very same samples in all three, the span metrics are made
    // by one, two or three gateways.
    const backends = await Promise.all(
      [1, 2, 3].map(async (n) => ({
        jaeger: await startJaeger(join(tmp, `totals-${n}`)),
        prometheus: await startPrometheus(join(tmp, `totals-${n}`, 'prometheus')),
      })),
    );
    try {
      const pipelines = await Promise.all(
        backends.map((b, i) =>
          tiers({ dir: join(tmp, `totals-${i + 1}`), slot: i + 1, gateways: i + 1, ...b, env: KEEP_ALL }),
        ),
      );
      const fan = await fanOut(pipelines.map((t) => t.agentHttp));
      const app = await runApp('totals', fan.url).finally(() => fan.close());
      expect(app.summary).toBe(reference.summary);
      expect(fan.failures()).toBe(0);
      const spanTotals = async (p: Prometheus) =>
        JSON.stringify(
          (await p.query('sum by (span_name, status_code) (traces_span_metrics_calls_total{service_name="totals"})'))
            .map((r) => [r.metric.span_name, r.metric.status_code, r.value[1]])
            .sort(),
        );
      // span metrics flush every 2 s: wait until all three agree and stay put
      let previous = '';
      const totals = await until(
        'the same span-metric totals for 1, 2 and 3 gateways',
        async () => {
          const t = await Promise.all(backends.map((b) => spanTotals(b.prometheus)));
          const now = JSON.stringify(t);
          const settled = now === previous && t[0] !== '[]' && t.every((x) => x === t[0]);
          previous = now;
          return settled ? t : undefined;
        },
        60_000,
        2500,
      );
      expect(totals[1]).toBe(totals[0]);
      expect(totals[2]).toBe(totals[0]);
      // each gateway of a pool made its own series, and they add up
      const perGateway = await backends[2].prometheus.query(
        'sum by (promptscope_gateway) (traces_span_metrics_calls_total{service_name="totals"})',
      );
      expect(perGateway.map((r) => r.metric.promptscope_gateway).sort()).toEqual([
        'gateway-1',
        'gateway-2',
        'gateway-3',
      ]);
      // every trace kept: each Jaeger holds the same spans
      const inJaeger = await Promise.all(
        backends.map(async (b) => [...(await b.jaeger.spanIds('totals'))].sort().join()),
      );
      expect(inJaeger[0].length).toBeGreaterThan(0);
      expect(inJaeger[1]).toBe(inJaeger[0]);
      expect(inJaeger[2]).toBe(inJaeger[0]);

      // Every dashboard query, as Grafana sends it, at the same instant in the three Prometheus. App-metric queries
      // must agree exactly (same samples). Span-metric rates are made by one, two or three gateways flushing at their
      // own times; over a run this short (~30 s) rate()'s extrapolation at the edges of each series moves them by up
      // to a quarter (measured, reported): the bound is 35 %, still apart from a panel that shows one gateway's
      // share (-50 %, -67 %) or counts a span twice (+100 %). Their counters' totals agree exactly (above).
      const { allQueries } = await import(pathToFileURL(join(REPO, 'grafana-dashboards', 'queries.mjs')).href);
      const at = Date.now() / 1000;
      const queries = (
        allQueries({ substitute: { job: 'totals', __range: '10m', __rate_interval: '10m', __interval: '10m' } }) as {
          panel: string;
          refId?: string;
          expr: string;
        }[]
      ).filter((q) => !/otelcol_/.test(q.expr));
      let compared = 0;
      const off: string[] = [];
      const sparse: string[] = [];
      let worstSpan = 0;
      for (const q of queries) {
        const results = await Promise.all(backends.map((b) => b.prometheus.query(q.expr, at)));
        const spanMetrics = /traces_span_metrics/.test(q.expr);
        const tolerance = spanMetrics ? 0.35 : 1e-9;
        if (results[0].length === 0) continue;
        compared++;
        const close = (a: number, b: number) => {
          if (spanMetrics && !/histogram_quantile/.test(q.expr) && a !== 0 && Number.isFinite(a) && Number.isFinite(b))
            worstSpan = Math.max(worstSpan, Math.abs(b - a) / Math.abs(a));
          return Math.abs(a - b) <= tolerance * Math.abs(a) + 1e-12;
        };
        if (/by gateway/.test(q.panel)) {
          // one series per gateway: their sum is the same
          const sums = results.map((r) => r.reduce((a, series) => a + Number(series.value[1]), 0));
          for (const n of [1, 2])
            if (!close(sums[0], sums[n])) off.push(`${q.panel}: ${sums[0]} with 1 gateway, ${sums[n]} with ${n + 1}`);
          continue;
        }
        const keyed = results.map(
          (r) =>
            new Map(r.map((series) => [JSON.stringify(Object.entries(series.metric).sort()), Number(series.value[1])])),
        );
        for (const n of [1, 2]) {
          for (const [labels, v] of keyed[0]) {
            const w = keyed[n].get(labels);
            // A span-metric series whose only count came with its first sample has no rate() yet (Prometheus 2.42
            // cannot see a counter's start). More gateways, more series, more of those: a quantile over a handful of
            // observations (the failed calls of one version) is then NaN or computed from fewer of them. Reported
            // (docs/scaling.md), not hidden; the rates and the counters of the same series are compared above.
            const bothNaN = Number.isNaN(v) && Number.isNaN(w ?? 0);
            if (spanMetrics && /histogram_quantile/.test(q.expr) && w !== undefined && !bothNaN && !close(v, w)) {
              sparse.push(`${q.panel} ${labels}: ${v.toFixed(3)} with 1 gateway, ${w.toFixed(3)} with ${n + 1}`);
              continue;
            }
            if (w === undefined || !(close(v, w) || bothNaN))
              off.push(`${q.panel} ${q.refId ?? ''} ${labels}: ${v} with 1 gateway, ${w} with ${n + 1}`);
          }
        }
      }
      expect(off).toEqual([]);
      expect(compared).toBeGreaterThan(20);
      report(
        `totals: ${compared} dashboard queries agree for 1, 2 and 3 gateways: app metrics exactly, span-metric rates ` +
          `within ${(100 * worstSpan).toFixed(0)} %, ${sparse.length} span-metric quantiles over a handful of observations apart ` +
          `(${sparse.join('; ') || 'none'}); span-metric totals equal: ${totals[0]}`,
      );
    } finally {
      for (const b of backends) await Promise.all([b.jaeger.stop(), b.prometheus.stop()]);
    }
  }, 240_000);

  it('a gateway restart and an agent restart with spans queued: every accepted span reaches Jaeger', async () => {
    const t = await tiers({ dir: join(tmp, 'restart'), slot: 4, gateways: 2, jaeger, prometheus, env: KEEP_ALL });
    const traffic = new Traffic('restart');
    const app = runApp('restart-app', t.agentHttp);
    await traffic.run(() => t.agentHttp, { traces: 60, everyMs: 25 });
    // gateway-1 restarted: its share of what arrives meanwhile waits in the agent's queue
    const g1 = t.gateways[0];
    const restartStarted = Date.now();
    await g1.stop();
    await traffic.run(() => t.agentHttp, { traces: 60, everyMs: 25 });
    await g1.start();
    const gatewayDowntime = (Date.now() - restartStarted) / 1000;
    // both gateways down, spans queued on the agent's disk, then the agent restarted: the queue survives
    const bothDownAt = Date.now();
    await Promise.all(t.gateways.map((g) => g.stop()));
    await traffic.run(() => t.agentHttp, { traces: 60, everyMs: 25 });
    const queuedBytes = await selfMetric(t.agentMetrics, 'otelcol_exporter_queue_size', {
      exporter: 'load_balancing/traces',
    });
    expect(queuedBytes).toBeGreaterThan(0);
    const agentDownAt = Date.now();
    await t.agent.stop();
    await t.agent.start();
    const agentDowntime = (Date.now() - agentDownAt) / 1000;
    await Promise.all(t.gateways.map((g) => g.start()));
    const gatewaysDowntime = (Date.now() - bothDownAt) / 1000;
    expect(traffic.refused).toBe(0);
    expect(traffic.accepted.size).toBe(360);

    const found = await jaegerHolds(jaeger, 'restart', traffic.accepted, 90_000);
    const missing = [...traffic.accepted].filter((id) => !found.has(id));
    expect(missing, 'accepted spans missing from Jaeger').toEqual([]);
    // Span metrics restart from 0 with each gateway (a counter reset): what they counted is an increase().
    await sleep(4000);
    const counted = Math.round(
      await scalar(prometheus, 'sum(increase(traces_span_metrics_calls_total{service_name="restart"}[10m]))'),
    );
    report(
      `restart: ${traffic.accepted.size} spans accepted, all ${found.size} in Jaeger after a gateway restart ` +
        `(${gatewayDowntime.toFixed(1)} s down) and an agent restart with ${queuedBytes} bytes queued on disk ` +
        `(${agentDowntime.toFixed(1)} s down); span metrics counted about ${counted} (increase() across the restarts' counter resets)`,
    );
    expectUnhurt(await app, 'restart');
    // App metrics: the agent queued them too, so their series have no gap beyond the export interval; a gateway's
    // span metrics pause while it is down and resume within one flush interval (2 s) of its start.
    const appGap = await longestGap(prometheus, 'gen_ai_client_operation_duration_seconds_count{job="restart-app"}');
    const spanGap = await longestGap(prometheus, 'traces_span_metrics_calls_total{service_name="restart"}');
    expect(appGap.series).toBeGreaterThan(0);
    // While the agent itself restarts, only the app's exporter buffers (it retries a refused export): a missing sample
    // or two, cumulative, so the next one carries the totals. Bound: the agent's downtime plus two export intervals
    // (1 s) and a second of scheduling slack.
    expect(appGap.gap, 'longest gap between app-metric samples (s)').toBeLessThanOrEqual(agentDowntime + 2 * 1 + 1);
    expect(spanGap.gap, 'longest gap between span-metric samples (s)').toBeLessThanOrEqual(
      // the longest time a gateway was down, one flush interval (2 s) either side, and scheduling slack
      Math.max(gatewayDowntime, gatewaysDowntime) + 2 * 2 + 3,
    );
    report(
      `restart: longest gap app metrics ${appGap.gap.toFixed(1)} s (export every 1 s; the agent was down ${agentDowntime.toFixed(1)} s), span metrics ${spanGap.gap.toFixed(1)} s ` +
        `(flush every 2 s; gateways down ${gatewaysDowntime.toFixed(1)} s at most)`,
    );
  }, 240_000);

  it('Jaeger down for a minute: nothing lost within the queue limits; beyond them, drops counted and alerted', async () => {
    const own = await startJaeger(join(tmp, 'outage'));
    try {
      const roomy = await tiers({
        dir: join(tmp, 'outage-roomy'),
        slot: 5,
        gateways: 1,
        jaeger: own,
        prometheus,
        env: KEEP_ALL,
      });
      // A queue of 16 KB on the gateway: a few batches, then full.
      const tight = await tiers({
        dir: join(tmp, 'outage-tight'),
        slot: 6,
        gateways: 1,
        jaeger: own,
        prometheus,
        env: KEEP_ALL,
        gatewayEnv: { PROMPTSCOPE_QUEUE_MAX_BYTES: '16384' },
      });
      await prometheusScrapesAll();
      const within = new Traffic('outage');
      const beyond = new Traffic('overflow');
      await own.stop();
      const downAt = Date.now();
      const app = runApp('outage-app', roomy.agentHttp);
      await Promise.all([
        within.run(() => roomy.agentHttp, { traces: 150, everyMs: 40 }),
        beyond.run(() => tight.agentHttp, { traces: 150, everyMs: 40 }),
      ]);
      const tightGateway = `http://${tight.gatewayMetrics[0]}/metrics`;
      const dropped = async () =>
        (await selfMetric(tightGateway, 'otelcol_exporter_enqueue_failed_spans')) +
        (await selfMetric(tightGateway, 'otelcol_exporter_send_failed_spans'));
      await until('drops counted by the tight gateway', async () => ((await dropped()) > 0 ? true : undefined), 30_000);
      const alert = await until(
        'PromptscopeCollectorDroppingData firing for the tight gateway',
        async () => {
          const a = await prometheus.query(
            `ALERTS{alertname="PromptscopeCollectorDroppingData", alertstate="firing", instance="${tight.gatewayMetrics[0]}"}`,
          );
          return a.length ? a : undefined;
        },
        45_000,
      );
      expect(alert[0].metric.exporter).toBe('otlp_grpc/jaeger');
      const roomyQueued = await selfMetric(`http://${roomy.gatewayMetrics[0]}/metrics`, 'otelcol_exporter_queue_size', {
        exporter: 'otlp_grpc/jaeger',
      });
      expect(roomyQueued).toBeGreaterThan(0);
      const expectUp = await app;
      // the rest of the minute, then Jaeger back (same Badger files)
      await sleep(Math.max(0, 60_000 - (Date.now() - downAt)));
      await own.start();
      const downFor = (Date.now() - downAt) / 1000;
      const found = await jaegerHolds(own, 'outage', within.accepted, 60_000);
      expect(
        [...within.accepted].filter((id) => !found.has(id)),
        'accepted spans missing after the outage',
      ).toEqual([]);
      // beyond the limit: what is not in Jaeger is exactly what the gateway counted as dropped, once the little its
      // queue held has been retried into Jaeger (backoff up to 10 s)
      let lost = 0;
      let counted = 0;
      // On a loaded machine the retries of what the queue held can take longer than their 10 s backoff: wait
      // for the queue to be empty, then for Jaeger to show what it delivered.
      await until(
        'the overflow queue flushed: found + dropped = accepted',
        async () => {
          const queued = await selfMetric(tightGateway, 'otelcol_exporter_queue_size', {
            exporter: 'otlp_grpc/jaeger',
          });
          const found = await own.spanIds('overflow');
          lost = [...beyond.accepted].filter((id) => !found.has(id)).length;
          counted = await dropped();
          return queued === 0 && lost === counted ? true : undefined;
        },
        90_000,
      ).catch(() => {});
      expect(lost).toBeGreaterThan(0);
      expect(counted).toBe(lost);
      report(
        `outage: Jaeger down ${downFor.toFixed(0)} s; ${within.accepted.size} spans within the queue limit, all in Jaeger after; ` +
          `with a 16 KB queue ${lost} of ${beyond.accepted.size} lost, ${counted} counted as dropped, PromptscopeCollectorDroppingData fired`,
      );
      expectUnhurt(expectUp, 'outage');
    } finally {
      await own.stop();
    }
  }, 300_000);

  it.skipIf(!canUnshare())(
    'a gateway killed mid-run: traffic moves to the others; spans lost and split traces measured',
    async () => {
      const t = await tiers({
        dir: join(tmp, 'killed'),
        slot: 7,
        gateways: 3,
        jaeger,
        prometheus,
        env: KEEP_ALL,
        dns: true,
      });
      const traffic = new Traffic('killed');
      const app = runApp('killed-app', t.agentHttp);
      const acceptedBy = async (i: number) =>
        selfMetric(`http://${t.gatewayMetrics[i]}/metrics`, 'otelcol_receiver_accepted_spans');
      let killedAt = 0;
      let beforeKill: number[] = [];
      const run = traffic.run(() => t.agentHttp, { traces: 400, everyMs: 20, childAfterMs: 500 });
      await sleep(3000);
      beforeKill = await Promise.all([0, 1, 2].map(acceptedBy));
      killedAt = Date.now();
      await t.gateways[1].kill();
      // what Kubernetes does for a headless Service when a pod dies: its address leaves the records
      t.setGatewayRecords?.([1, 3]);
      await run;
      // traffic moved: nothing waits in the agent for the dead gateway
      await until(
        "the agent's queue to drain without gateway-2",
        async () =>
          (await selfMetric(t.agentMetrics, 'otelcol_exporter_queue_size', { exporter: 'load_balancing/traces' })) === 0
            ? true
            : undefined,
        30_000,
      );
      const after = await Promise.all([0, 2].map(acceptedBy));
      expect(after[0]).toBeGreaterThan(beforeKill[0]);
      expect(after[1]).toBeGreaterThan(beforeKill[2]);
      // Let the survivors decide, then count what Jaeger holds; then gateway-2 back (its disk queue flushes)
      await sleep(5000);
      let found = await jaeger.spanIds('killed');
      const lostBeforeRestart = [...traffic.accepted].filter((id) => !found.has(id)).length;
      t.setGatewayRecords?.([1, 2, 3]);
      await t.gateways[1].start();
      await sleep(6000);
      found = await jaeger.spanIds('killed');
      const lost = [...traffic.accepted].filter((id) => !found.has(id)).length;
      // Split traces: spans of one trace sampled by two gateways (process tag promptscope.gateway).
      const traces = await jaeger.traces('killed');
      const split = traces.filter((tr) => new Set(tr.spans.map((s) => gatewayOf(tr, s.processID))).size > 1);
      const window = split.map((tr) => ((traffic.sentAt.get(tr.traceID)?.[0] ?? 0) - killedAt) / 1000);
      // only traces in flight around the kill: started at most decision_wait (2 s) + the trace's own length
      // (0.5 s) + 2 s before it (decided and queued on disk by the killed gateway, flushed at its restart), or
      // within the resolver's refresh (1 s) plus Go's /etc/hosts cache (5 s) and a retry (up to 10 s) after it
      for (const w of window) expect(w).toBeGreaterThan(-4.5);
      for (const w of window) expect(w).toBeLessThan(17);
      const partial = traces.filter((tr) => tr.spans.length < 2).length;
      const share = traffic.accepted.size / 3;
      expect(lost).toBeLessThan(share);
      report(
        `killed: ${traffic.accepted.size} spans accepted; SIGKILL of 1 of 3 gateways lost ${lost} ` +
          `(${lostBeforeRestart} before it came back: its tail-sampling buffer and batch were in memory); ` +
          `${split.length} traces split across two gateways' decisions, started ${split.length ? `${Math.min(...window).toFixed(1)}..${Math.max(...window).toFixed(1)} s` : 'never'} from the kill; ` +
          `${partial} of ${traces.length} traces in Jaeger miss a span`,
      );
      expectUnhurt(await app, 'killed');
    },
    240_000,
  );
});

/** Points the shared Prometheus at every collector started so far (alerts need their self-metrics). */
async function prometheusScrapesAll() {
  await prometheus.setScrape(scrape);
}
