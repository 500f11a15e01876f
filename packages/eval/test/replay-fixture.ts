/**
 * A replay report built by hand for the HTML tests: six inputs with known outcomes (one known inserted word,
 * one output that tries to break out of the page, one very long unicode line, one timeout) and two skipped.
 */
import type { AssertionResult } from '../src/assert/types.js';
import type { ReplayInput, ReplayReport, ReplaySide } from '../src/replay/types.js';
import type { TargetInfo } from '../src/report/types.js';

export const JAEGER = 'http://127.0.0.1:16686';
export const NOTICE =
  'This report holds production inputs and outputs (redacted as the hook says): keep it where production data may be.';
export const XSS = '</script><script>alert(1)</script> & "quotes" \'single\' <img src=x onerror=alert(2)>';
export const INSERTED = 'unused';
export const LONG = `${'naïve café — 日本語 🚀 '.repeat(400)}end`;

const pass = (type: string, reason: string): AssertionResult => ({ type, pass: true, score: 1, weight: 1, reason });
const fail = (type: string, reason: string): AssertionResult => ({ type, pass: false, score: 0, weight: 1, reason });

const recorded = (traceId: string, output: string | undefined, extra: Partial<ReplaySide> = {}): ReplaySide => ({
  origin: 'recorded',
  output,
  finishReason: 'stop',
  latencyMs: 900,
  ttftMs: 300,
  tokens: { input: 120, output: 40 },
  costUsd: 0.0004,
  traceId,
  spanId: `${traceId.slice(0, 16)}`,
  model: 'gpt-4o-mini',
  assertions: [],
  status: 'pass',
  ...extra,
});

const replayed = (traceId: string | undefined, output: string | undefined, extra: Partial<ReplaySide> = {}) => ({
  ...recorded(traceId ?? '', output, { origin: 'replayed', latencyMs: 700, ttftMs: 250, costUsd: 0.0003 }),
  traceId,
  ...extra,
});

let n = 0;
function input(id: string, rest: Omit<ReplayInput, 'id' | 'mode' | 'production'> & Partial<ReplayInput>): ReplayInput {
  n++;
  // A recorded baseline's span is the production completion: same trace id.
  const traceId = String(n).repeat(32);
  return {
    id,
    mode: 'rendered',
    vars: { question: `question ${id}` },
    production: {
      traceId,
      spanId: traceId.slice(0, 16),
      startedAt: `2025-05-0${n}T10:00:00.000Z`,
      promptVersion: '3',
      service: 'support-bot',
    },
    ...rest,
  };
}

const target = (version: number, model: string): TargetInfo => ({
  prompt: 'support-answer',
  ref: `support-answer@${version}`,
  version,
  sha256: 'f'.repeat(64),
  provider: 'openai',
  model,
});

export function buildReport(): ReplayReport {
  n = 0;
  const inputs: ReplayInput[] = [
    input('refund-policy', {
      baseline: recorded('1'.repeat(32), 'You can return items within 14 days.'),
      candidate: replayed('a'.repeat(32), `You can return ${INSERTED} items within 30 days for a full refund.`, {
        assertions: [pass('icontains', 'found "return"')],
      }),
      similarity: 0.62,
      changed: true,
      judge: { verdict: 'candidate', reason: 'states the refund window and condition', candidateFirst: true },
      outcome: 'improved',
      why: 'judge preferred the candidate',
      caseId: 'case-refund',
    }),
    input('shipping-eu', {
      baseline: recorded('2'.repeat(32), 'We ship to every EU country in 3 to 5 days.', {
        assertions: [pass('icontains', 'found "EU"')],
      }),
      candidate: replayed('b'.repeat(32), 'Shipping takes a while.', {
        latencyMs: 1500,
        costUsd: 0.0009,
        assertions: [fail('icontains', 'expected "EU", not found')],
        status: 'fail',
      }),
      similarity: 0.21,
      changed: true,
      judge: {
        verdict: 'baseline',
        reason: 'the candidate drops the delivery time',
        candidateFirst: false,
        swapped: { verdict: 'baseline', reason: 'same' },
      },
      outcome: 'regressed',
      why: 'icontains failed on the candidate',
    }),
    input('greeting', {
      baseline: recorded('3'.repeat(32), 'Hello! How can I help?'),
      candidate: replayed('c'.repeat(32), 'Hello! How can I help?', { cached: true }),
      similarity: 1,
      changed: false,
      judge: { verdict: 'tie', reason: 'identical', candidateFirst: true },
      outcome: 'unchanged',
      why: 'same output',
    }),
    input('xss-echo', {
      baseline: recorded('4'.repeat(32), 'I cannot run code.'),
      candidate: replayed('d'.repeat(32), XSS, { latencyMs: 1200 }),
      similarity: 0.05,
      changed: true,
      judge: { verdict: 'baseline', reason: 'the candidate echoes markup', candidateFirst: true },
      outcome: 'regressed',
      why: 'judge preferred the baseline',
    }),
    input('long-line', {
      baseline: recorded('5'.repeat(32), LONG, { costUsd: null }),
      candidate: replayed(undefined, LONG),
      similarity: 1,
      changed: false,
      outcome: 'unchanged',
      why: 'same output',
      mode: 'resent',
    }),
    input('timeout', {
      baseline: recorded('6'.repeat(32), 'Your order ships tomorrow.'),
      candidate: replayed('e'.repeat(32), undefined, {
        error: 'timeout after 30000 ms',
        infra: true,
        status: 'error',
        latencyMs: undefined,
        costUsd: undefined,
      }),
      changed: false,
      outcome: 'error',
      why: 'the candidate call failed',
    }),
  ];
  // The first input's link comes from Jaeger itself, the rest are built from jaegerUrl.
  (inputs[0] as ReplayInput).production.url = `${JAEGER}/trace/${'1'.repeat(32)}`;
  const startedAt = '2025-05-10T09:00:00.000Z';
  return {
    schema: 'promptscope.replay-report/1',
    runId: 'replay-20250510-0900',
    startedAt,
    finishedAt: '2025-05-10T09:00:42.000Z',
    prompt: 'support-answer',
    containsProductionContent: true,
    notice: NOTICE,
    source: {
      kind: 'jaeger',
      where: JAEGER,
      since: '2025-05-01T00:00:00.000Z',
      until: '2025-05-08T00:00:00.000Z',
      limit: 50,
      found: 8,
    },
    candidate: target(4, 'gpt-4o-mini'),
    baseline: 'recorded',
    settings: { concurrency: 4, similarity: 'lexical', judge: 'openai/gpt-4o', cache: true, maxCostUsd: 1 },
    estimate: { usd: 0.0042, calls: 6, unpriced: 0 },
    summary: {
      inputs: 6,
      improved: 1,
      regressed: 2,
      unchanged: 2,
      errors: 1,
      changed: 3,
      skipped: 2,
      skippedBy: { 'no recorded variables or messages': 1, 'output not recorded (streamed)': 1 },
      meanSimilarity: 0.576,
      judge: {
        model: 'openai/gpt-4o',
        candidate: 1,
        baseline: 2,
        ties: 1,
        errors: 0,
        winRate: 1 / 3,
        interval: [0.0615, 0.7923],
        swapped: 1,
        consistency: 1,
        firstPositionWins: 0.5,
      },
      latencyP50Ms: { candidate: 700, baseline: 900, change: -0.2222 },
      latencyP95Ms: { candidate: 1500, baseline: 900, change: 0.6667 },
      ttftP50Ms: { candidate: 250, baseline: 300, change: -0.1667 },
      ttftP95Ms: { candidate: 250, baseline: 300, change: -0.1667 },
      costPerCallUsd: { candidate: 0.0004, baseline: 0.0004, change: 0, unknown: { candidate: 0, baseline: 1 } },
      errorRate: { candidate: 1 / 6, baseline: 0 },
    },
    inputs,
    skipped: [
      { traceId: '7'.repeat(32), spanId: '7'.repeat(16), reason: 'no recorded variables or messages' },
      { traceId: '8'.repeat(32), spanId: '8'.repeat(16), reason: 'output not recorded (streamed)' },
    ],
    verdict: {
      pass: false,
      passed: 4,
      failed: 1,
      infraErrors: 1,
      checks: [
        { name: 'no new failures', pass: false, detail: '1 case passes on the baseline and fails on the candidate' },
        { name: 'pass rate', pass: true, detail: '4/5 >= 0.8' },
      ],
    },
    cache: { hits: 1, misses: 5 },
    rateLimited: 0,
    jaegerUrl: JAEGER,
  };
}
