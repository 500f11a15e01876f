import { fileURLToPath } from 'node:url';
import { type NodeRun, runNode } from '@promptscope/testing';
import { describe, expect, it } from 'vitest';

// The whole demo as users run it (after `npm run build`): the app under `node --import
// @promptscope/register`, exporting OTLP to the demo's receiver, summarized from that telemetry.

const MAIN = fileURLToPath(new URL('../src/main.mjs', import.meta.url));

function runDemo(args: string[]): Promise<NodeRun> {
  return runNode([MAIN, ...args]);
}

/** The per-version table's data lines: version -> label, calls, errors..., cost. */
function tableRows(stdout: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^support-reply\s+(\d+)\s+((?:production|canary)\s.*)$/.exec(line);
    if (m) rows.set(m[1], m[2]);
  }
  return rows;
}

/** The per-provider table's data lines: "provider model" -> calls, errors..., cost. */
function providerRows(stdout: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(openai|anthropic|gcp\.gemini)\s+(\S+)\s+(\d.*)$/.exec(line);
    if (m) rows.set(`${m[1]} ${m[2]}`, m[3]);
  }
  return rows;
}

describe('npm run demo', () => {
  it('summarizes both prompt versions (with their feedback quality) and every provider (OpenAI, Anthropic, Gemini), with errors, costs and fallbacks, from exported telemetry', async () => {
    const { code, stdout, stderr } = await runDemo(['--calls', '20']);
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
    expect(stderr).not.toMatch(/MaxListenersExceeded|warning/i);
    const app =
      /\[app\] 20 calls: (\d+) answered, (\d+) failed; (\d+) routed \((\d+) fell back\); (\d+) provider requests failed/.exec(
        stdout,
      );
    expect(app, stdout).not.toBeNull();
    const failedRequests = Number(app?.[5]);
    // one span per provider request: the 20 tickets, plus the route's retries and fallbacks
    const spanCount = Number(/\[demo\] (\d+) spans/.exec(stdout)?.[1]);
    expect(spanCount).toBeGreaterThan(20);

    const rows = tableRows(stdout);
    expect([...rows.keys()]).toEqual(['1', '2']);
    expect(rows.get('1')).toMatch(/^production\s/);
    expect(rows.get('2')).toMatch(/^canary\s/);

    const calls = [...rows.values()].map((r) => Number(r.split(/\s+/)[1]));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(spanCount);
    const errors = [...rows.values()].map((r) => Number(r.split(/\s+/)[2]));
    expect(errors.reduce((a, b) => a + b, 0)).toBe(failedRequests);
    expect(failedRequests).toBeGreaterThan(0);
    expect(stdout).toMatch(/\((?:429|500|503)×\d/);

    for (const row of rows.values()) {
      const cost = /\$(\d+\.\d+)\s+\d+\s+(?:\d\.\d\d|-)\s+(?:\d+%|-)$/.exec(row);
      expect(cost, `no cost in: ${row}`).not.toBeNull();
      expect(Number(cost?.[1])).toBeGreaterThan(0);
    }

    const providers = providerRows(stdout);
    expect([...providers.keys()]).toEqual([
      'anthropic claude-haiku-4-5',
      'gcp.gemini gemini-2.5-flash',
      'openai gpt-4o-mini',
    ]);
    const providerCalls = [...providers.values()].map((r) => Number(r.split(/\s+/)[0]));
    for (const n of providerCalls) expect(n).toBeGreaterThan(0);
    expect(providerCalls.reduce((a, b) => a + b, 0)).toBe(spanCount);
    for (const row of providers.values()) expect(Number(/\$(\d+\.\d+)$/.exec(row)?.[1])).toBeGreaterThan(0);

    // the route table, from the route spans: calls through the route, how many fell back to another provider
    const route =
      /^route\s+calls\s+fell back\s+failed\s+attempts\s+answered by\n-[- ]+\nsupport-reply\s+(\d+)\s+(\d+)\s+(\d+).*\s(\d+)\s+(anthropic×\d+.*)$/m.exec(
        stdout,
      );
    expect(route, stdout).not.toBeNull();
    expect(Number(route?.[1])).toBe(Number(app?.[3]));
    expect(Number(route?.[2])).toBe(Number(app?.[4]));
    expect(Number(route?.[2])).toBeGreaterThan(0);
    expect(Number(route?.[4])).toBeGreaterThan(Number(route?.[1]));

    // feedback arrived for both versions (from the gen_ai.evaluation.result events), and v2 is liked less
    const quality = new Map(
      [...rows].map(([version, row]) => {
        const m = /(\d+)\s+(\d\.\d\d)\s+(\d+)%$/.exec(row);
        expect(m, `no quality columns in: ${row}`).not.toBeNull();
        return [version, { feedback: Number(m?.[1]), mean: Number(m?.[2]), negative: Number(m?.[3]) }];
      }),
    );
    const sent = /\[app\] feedback: v1 (\d+) thumbs \+ (\d+) implicit, v2 (\d+) thumbs \+ (\d+) implicit/.exec(stdout);
    expect(sent, stdout).not.toBeNull();
    expect(quality.get('1')?.feedback).toBe(Number(sent?.[1]) + Number(sent?.[2]));
    expect(quality.get('2')?.feedback).toBe(Number(sent?.[3]) + Number(sent?.[4]));
    for (const q of quality.values()) expect(q.feedback).toBeGreaterThan(0);
    expect(quality.get('2')?.negative).toBeGreaterThan(quality.get('1')?.negative ?? 100);
    expect(quality.get('2')?.mean).toBeLessThan(quality.get('1')?.mean ?? 0);
    expect(stdout).toMatch(/promptscope\.feedback\.score: [1-9]\d* \/ [1-9]/);
    expect(stdout).toMatch(/promptscope\.feedback\.count: [1-9]\d* \/ [1-9]/);

    // every call ran in a segment (withSegment): free, pro and enterprise, enterprise with the most tokens per call
    const segments = new Map<string, { calls: number; tokens: number; cost: number }>();
    for (const line of stdout.split('\n')) {
      const m = /^(free|pro|enterprise|\(none\))\s+(\d+)\s+(\d+)\/(\d+)\s+\$(\d+\.\d+)\s/.exec(line);
      if (m) segments.set(m[1], { calls: Number(m[2]), tokens: Number(m[3]) + Number(m[4]), cost: Number(m[5]) });
    }
    expect([...segments.keys()], stdout).toEqual(['free', 'pro', 'enterprise']);
    expect([...segments.values()].reduce((a, r) => a + r.calls, 0)).toBe(spanCount);
    for (const r of segments.values()) expect(r.cost).toBeGreaterThan(0);
    const perCall = (s: string) => (segments.get(s)?.tokens ?? 0) / (segments.get(s)?.calls ?? 1);
    expect(perCall('enterprise')).toBeGreaterThan(perCall('free'));
    expect(perCall('enterprise')).toBeGreaterThan(perCall('pro'));

    expect(stdout).toMatch(/gen_ai\.client\.operation\.duration: [1-9]\d* \/ [1-9]/);
    expect(stdout).toMatch(/promptscope\.route\.fallbacks: [1-9]\d* \/ [1-9]/);

    // the gate run closes the demo: v2 against v1 over the bank, one new failure, costlier
    const gate = stdout.slice(stdout.indexOf('[demo] the gate:'));
    expect(gate).toMatch(/^ latency-promise\s+fail NEW\s+pass\s.*not-icontains: not: contains "guarantee"/m);
    expect(gate).toMatch(/^FAIL no new failures against the baseline: 1 new \(allowed 0\): latency-promise$/m);
    expect(gate).toMatch(/^FAIL mean cost: \$0\.\d+ against \$0\.\d+ \(\+\d+\.\d%, budget \+25\.0%\)$/m);
    expect(gate.trimEnd().split('\n').slice(-2)).toEqual(['FAIL: the gate failed', '4 passed, 1 failed']);
  }, 60_000);
});
