/**
 * `promptscope worst` against a fake Jaeger query API that behaves like Jaeger v2's memory store: a search
 * matches single spans of the given service (every tag on that span, start time in the window) and returns
 * whole traces, whatever service each of their spans came from.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Io, run } from '../src/index.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const us = (isoTime: string) => Date.parse(isoTime) * 1000;

interface FakeSpan {
  traceId: string;
  spanId: string;
  parent?: string;
  name: string;
  start: string;
  service: string;
  tags: Record<string, string | number | boolean>;
}

const T = (n: number) => n.toString(16).padStart(32, '0');
const S = (n: number) => n.toString(16).padStart(16, '0');

const completion = (
  n: number,
  start: string,
  tags: Record<string, string | number | boolean> = {},
  service = 'demo',
): FakeSpan => ({
  traceId: T(n),
  spanId: S(n),
  name: 'chat gpt-4o-mini',
  start,
  service,
  tags: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.prompt.name': 'support-reply',
    'gen_ai.prompt.version': '2',
    ...tags,
  },
});

let evalSeq = 1000;
const evaluation = (
  of: { traceId: string; spanId: string },
  start: string,
  name: string,
  score: number | undefined,
  extra: Record<string, string | number | boolean> = {},
  service = 'demo',
): FakeSpan => ({
  traceId: of.traceId,
  spanId: S(evalSeq++),
  parent: of.spanId,
  name: `evaluation ${name}`,
  start,
  service,
  tags: {
    'gen_ai.evaluation.name': name,
    ...(score === undefined ? {} : { 'gen_ai.evaluation.score.value': score }),
    'promptscope.feedback.kind': 'explicit',
    'gen_ai.prompt.name': 'support-reply',
    'gen_ai.prompt.version': '2',
    ...extra,
  },
});

const INPUT = JSON.stringify([
  { role: 'user', parts: [{ type: 'text', content: `How do refunds work? ${'x'.repeat(400)}` }] },
]);
const OUTPUT = JSON.stringify([
  { role: 'assistant', parts: [{ type: 'text', content: 'Refunds take 90 days.' }], finish_reason: 'stop' },
]);

// c1: thumbs down with a comment and content captured (newest of the zeros).
const c1 = completion(1, '2026-05-01T11:00:00Z', { 'gen_ai.input.messages': INPUT, 'gen_ai.output.messages': OUTPUT });
// c2: version 1, liked.
const c2 = completion(2, '2026-05-01T10:00:00Z', {
  'gen_ai.prompt.version': '1',
  'promptscope.prompt.label': 'production',
});
// c3: implicit 0.3.
const c3 = completion(3, '2026-05-01T09:00:00Z');
// c4: failed, no feedback.
const c4 = completion(4, '2026-05-01T08:00:00Z', {
  'error.type': 'RateLimitError',
  'otel.status_description': '429 slow down',
});
// c5: the same feedback id twice: 0 then 1, last wins (so 1), plus a correctness 0.5.
const c5 = completion(5, '2026-05-01T07:00:00Z');
// c6: feedback from another process (service feedback-api), a separate fragment of the same trace; thumbs down.
const c6 = completion(6, '2026-05-01T06:00:00Z');
// c8: another prompt, thumbs down: never listed.
const c8 = completion(8, '2026-05-01T11:30:00Z', { 'gen_ai.prompt.name': 'other-prompt' });
// c9: outside the window (2 days ago).
const c9 = completion(9, '2026-04-29T11:00:00Z');

const SPANS: FakeSpan[] = [
  c1,
  evaluation(c1, '2026-05-01T11:00:05Z', 'thumbs', 0, {
    'gen_ai.evaluation.score.label': 'fail',
    'gen_ai.evaluation.explanation': 'wrong refund policy',
  }),
  c2,
  evaluation(c2, '2026-05-01T10:00:05Z', 'thumbs', 1, {
    'gen_ai.evaluation.score.label': 'pass',
    'gen_ai.prompt.version': '1',
  }),
  c3,
  evaluation(c3, '2026-05-01T09:00:05Z', 'implicit', 0.3, {
    'gen_ai.evaluation.score.label': 'edited',
    'promptscope.feedback.kind': 'implicit',
  }),
  c4,
  c5,
  evaluation(c5, '2026-05-01T07:00:05Z', 'thumbs', 0, {
    'promptscope.feedback.id': 'f1',
    'gen_ai.evaluation.score.label': 'fail',
  }),
  evaluation(c5, '2026-05-01T07:01:00Z', 'thumbs', 1, {
    'promptscope.feedback.id': 'f1',
    'gen_ai.evaluation.score.label': 'pass',
  }),
  evaluation(c5, '2026-05-01T07:02:00Z', 'correctness', 0.5, { 'promptscope.feedback.kind': 'label' }),
  c6,
  evaluation(c6, '2026-05-01T06:30:00Z', 'thumbs', 0, { 'gen_ai.evaluation.score.label': 'fail' }, 'feedback-api'),
  // c7: only the feedback reached Jaeger (its completion was sampled out), older than c6.
  evaluation({ traceId: T(7), spanId: S(7) }, '2026-05-01T05:00:00Z', 'thumbs', 0, {}, 'feedback-api'),
  c8,
  evaluation(c8, '2026-05-01T11:30:05Z', 'thumbs', 0, { 'gen_ai.prompt.name': 'other-prompt' }),
  c9,
  evaluation(c9, '2026-04-29T11:00:05Z', 'thumbs', 0),
];

function toJaeger(traceId: string) {
  const spans = SPANS.filter((s) => s.traceId === traceId);
  const services = [...new Set(spans.map((s) => s.service))];
  return {
    traceID: traceId,
    spans: spans.map((s) => ({
      traceID: s.traceId,
      spanID: s.spanId,
      operationName: s.name,
      references: s.parent ? [{ refType: 'CHILD_OF', traceID: s.traceId, spanID: s.parent }] : [],
      startTime: us(s.start),
      duration: 1500,
      tags: Object.entries(s.tags).map(([key, value]) => ({
        key,
        type:
          typeof value === 'number'
            ? Number.isInteger(value)
              ? 'int64'
              : 'float64'
            : typeof value === 'boolean'
              ? 'bool'
              : 'string',
        value,
      })),
      logs: [],
      processID: `p${services.indexOf(s.service) + 1}`,
      warnings: null,
    })),
    processes: Object.fromEntries(services.map((name, i) => [`p${i + 1}`, { serviceName: name, tags: [] }])),
    warnings: null,
  };
}

let server: Server;
let base: string;
let requests: URL[] = [];
let failWith: { status: number; msg: string } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    res.setHeader('content-type', 'application/json');
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.end(JSON.stringify(body));
    };
    if (failWith) {
      return send(failWith.status, {
        data: null,
        total: 0,
        limit: 0,
        offset: 0,
        errors: [{ code: failWith.status, msg: failWith.msg }],
      });
    }
    if (url.pathname === '/api/services') {
      return send(200, { data: [...new Set(SPANS.map((s) => s.service))], total: 2 });
    }
    const byId = /^\/api\/traces\/([0-9a-f]{32})$/.exec(url.pathname);
    if (byId) {
      if (!SPANS.some((s) => s.traceId === byId[1]))
        return send(404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] });
      return send(200, { data: [toJaeger(byId[1] as string)] });
    }
    if (url.pathname === '/api/traces') {
      const service = url.searchParams.get('service');
      if (!service) return send(400, { data: null, errors: [{ code: 400, msg: "parameter 'service' is required" }] });
      const tags = JSON.parse(url.searchParams.get('tags') ?? '{}') as Record<string, string>;
      const start = Number(url.searchParams.get('start'));
      const end = Number(url.searchParams.get('end'));
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const ids = new Set<string>();
      for (const s of SPANS) {
        if (s.service !== service) continue;
        if (us(s.start) < start || us(s.start) > end) continue;
        if (!Object.entries(tags).every(([k, v]) => String(s.tags[k]) === v)) continue;
        ids.add(s.traceId);
      }
      return send(200, {
        data: [...ids].slice(0, limit).map(toJaeger),
        total: ids.size,
        limit: 0,
        offset: 0,
        errors: null,
      });
    }
    send(404, { data: null, errors: [{ code: 404, msg: '404 page not found' }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  requests = [];
  failWith = undefined;
});

async function worst(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {}, cwd: process.cwd() };
  // The window is relative to the wall clock: give absolute bounds so the fixtures stay in it.
  const hasWindow = argv.includes('--since');
  const args = hasWindow ? argv : [...argv, '--since', '2026-04-30T12:00:00Z', '--until', '2026-05-01T12:00:00Z'];
  const code = await run(['worst', ...args], io);
  return { code, out, err };
}

describe('promptscope worst', () => {
  it('lists the lowest-rated completions worst first, joined with their feedback, from every service', async () => {
    const r = await worst('support-reply', '--jaeger', base, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    const rows = doc.completions as { traceId: string; score: number; completionFound: boolean }[];
    // Score ascending; among equal scores the newest first. c2 (1) and c5 (last thumbs 1, correctness 0.5) follow.
    expect(rows.map((c) => [c.traceId, c.score])).toEqual([
      [T(1), 0],
      [T(6), 0],
      [T(7), 0],
      [T(3), 0.3],
      [T(5), 0.5],
      [T(2), 1],
    ]);
    expect(doc.services.sort()).toEqual(['demo', 'feedback-api']);
    // Each service searched once for the prompt, with the window in microseconds.
    const searches = requests.filter((u) => u.pathname === '/api/traces');
    expect(searches.map((u) => u.searchParams.get('service')).sort()).toEqual(['demo', 'feedback-api']);
    for (const u of searches) {
      expect(JSON.parse(u.searchParams.get('tags') ?? '')).toEqual({ 'gen_ai.prompt.name': 'support-reply' });
      expect(u.searchParams.get('start')).toBe(String(us('2026-04-30T12:00:00Z')));
      expect(u.searchParams.get('end')).toBe(String(us('2026-05-01T12:00:00Z')));
    }

    const first = doc.completions[0];
    expect(first).toMatchObject({
      traceId: T(1),
      spanId: S(1),
      completionFound: true,
      time: '2026-05-01T11:00:00.000Z',
      service: 'demo',
      promptName: 'support-reply',
      promptVersion: '2',
      model: 'gpt-4o-mini-2024-07-18',
      score: 0,
      input: INPUT,
      output: OUTPUT,
      traceUrl: `${base}/trace/${T(1)}`,
      traceApiUrl: `${base}/api/traces/${T(1)}`,
    });
    expect(first.feedback).toEqual([
      expect.objectContaining({ evaluation: 'thumbs', score: 0, label: 'fail', comment: 'wrong refund policy' }),
    ]);
    // Feedback from another process, joined through the trace.
    expect(doc.completions[1].feedback[0]).toMatchObject({ evaluation: 'thumbs', score: 0, service: 'feedback-api' });
    // Only the feedback in Jaeger: still listed, described by what the feedback copied.
    expect(doc.completions[2]).toMatchObject({ completionFound: false, spanId: S(7), promptVersion: '2' });
    // Last record wins per feedback id: thumbs 0 then 1 → 1; correctness 0.5 is the lowest left.
    expect(
      doc.completions[4].feedback.map((f: { evaluation: string; score: number }) => [f.evaluation, f.score]),
    ).toEqual([
      ['thumbs', 1],
      ['correctness', 0.5],
    ]);
  });

  it('the trace links work: the API link returns the trace', async () => {
    const r = await worst('support-reply', '--jaeger', base, '--json', '--limit', '1');
    const [row] = JSON.parse(r.out).completions;
    const res = await fetch(row.traceApiUrl);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { traceID: string }[] };
    expect(body.data[0]?.traceID).toBe(T(1));
    expect(row.traceUrl).toBe(`${base}/trace/${T(1)}`);
  });

  it('prints a terminal listing with score, label, comment, link, and content cut to a line', async () => {
    const r = await worst('support-reply', '--jaeger', `${base}/`, '--limit', '2');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(
      '2 lowest-rated completions of prompt "support-reply", 2026-04-30T12:00:00.000Z .. 2026-05-01T12:00:00.000Z, worst first:',
    );
    expect(r.out).toContain('1.  score 0  2026-05-01T11:00:00.000Z  version 2  gpt-4o-mini-2024-07-18\n');
    expect(r.out).toContain('   thumbs 0 (fail)  "wrong refund policy"\n');
    expect(r.out).toContain(`   trace: ${base}/trace/${T(1)}\n`);
    expect(r.out).toContain('   output: assistant: Refunds take 90 days.\n');
    const input = lines.find((l) => l.startsWith('   input:'));
    expect(input).toMatch(/^ {3}input: {2}user: How do refunds work\? x+…$/);
    expect(input?.length).toBe('   input:  '.length + 200);
    expect(r.out).toContain('2.  score 0  2026-05-01T06:00:00.000Z');
    expect(r.out).not.toContain('3.');
  });

  it('filters by evaluation and prompt version; --failed lists the failed completions', async () => {
    const thumbs = JSON.parse(
      (await worst('support-reply', '--jaeger', base, '--json', '--evaluation', 'correctness')).out,
    );
    expect(thumbs.completions.map((c: { traceId: string }) => c.traceId)).toEqual([T(5)]);
    const v1 = JSON.parse((await worst('support-reply', '--jaeger', base, '--json', '--prompt-version', '1')).out);
    expect(v1.completions.map((c: { traceId: string }) => c.traceId)).toEqual([T(2)]);
    const failed = await worst('support-reply', '--jaeger', base, '--failed');
    expect(failed.code).toBe(0);
    expect(failed.out).toContain('1 failed completions of prompt "support-reply"');
    expect(failed.out).toContain('1.  error RateLimitError  2026-05-01T08:00:00.000Z  version 2');
    expect(failed.out).toContain('   error: 429 slow down\n');
  });

  it('searches only the services given', async () => {
    const r = await worst('support-reply', '--jaeger', base, '--json', '--service', 'feedback-api');
    expect(requests.map((u) => u.pathname)).toEqual(['/api/traces']);
    // Through feedback-api, Jaeger still returns the whole trace: c6's completion span comes with it.
    expect(
      JSON.parse(r.out).completions.map((c: { traceId: string; completionFound: boolean }) => [
        c.traceId,
        c.completionFound,
      ]),
    ).toEqual([
      [T(6), true],
      [T(7), false],
    ]);
  });

  it('says so when nothing is rated in the window', async () => {
    const r = await worst(
      'support-reply',
      '--jaeger',
      base,
      '--since',
      '2026-05-01T11:10:00Z',
      '--until',
      '2026-05-01T11:59:00Z',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^No lowest-rated completions of prompt "support-reply" in .* \(0 completion\(s\) of it found/,
    );
  });

  it('fails clearly when Jaeger is unreachable: names the URL and how to start the stack', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await worst('support-reply', '--jaeger', `http://127.0.0.1:${port}`);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`cannot reach Jaeger at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(r.err).toContain('npm run stack -- up');
  });

  it('reports what Jaeger answered when it refuses the query', async () => {
    failWith = { status: 500, msg: 'search depth is invalid' };
    const r = await worst('support-reply', '--jaeger', base, '--service', 'demo');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`Jaeger at ${base} answered 500 for /api/traces?service=demo`);
    expect(r.err).toContain('search depth is invalid');
  });

  it('refuses bad flags with a hint', async () => {
    expect((await worst('--jaeger', base)).err).toMatch(/worst expects one <prompt> name/);
    expect((await worst('p', '--since', 'yesterday')).err).toMatch(/--since "yesterday": expected now, a duration/);
    expect((await worst('p', '--since', '1h', '--until', '2h')).err).toMatch(/--since must be before --until/);
    expect((await worst('p', '--limit', '0')).err).toMatch(/--limit must be a positive whole number/);
    expect((await worst('p', '--jaeger', 'localhost:16686')).err).toMatch(/--jaeger must be an http\(s\) URL/);
    const help = await worst('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: promptscope worst <prompt>');
  });
});

describe('windows', () => {
  it('durations count back from now', async () => {
    const { parseWhen } = await import('../src/index.js');
    expect(parseWhen('24h', NOW, '--since')).toBe(NOW - 86_400_000);
    expect(parseWhen('30m', NOW, '--since')).toBe(NOW - 1_800_000);
    expect(parseWhen('7d', NOW, '--since')).toBe(NOW - 7 * 86_400_000);
    expect(parseWhen('now', NOW, '--until')).toBe(NOW);
    expect(parseWhen('2026-05-01', NOW, '--since')).toBe(Date.parse('2026-05-01'));
  });
});
