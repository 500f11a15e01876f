/**
 * Assertions on real runs (openai SDK → fake provider), including the model-graded ones: a judge that
 * answers nonsense is an error for that assertion and never a pass; `similar` compares embeddings.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJudgeReply, runSuite } from '../src/index.js';
import { GOOD, scriptByVersion, type Workspace, workspace } from './helpers.js';

let ws: Workspace;
beforeEach(async () => {
  ws = await workspace();
});
afterEach(() => ws.close());

const one = (assert: string, extra = '') => `prompt: support-reply
cases:
  - id: only
    vars: { ticket: 1, question: "I was charged twice" }${extra}
    assert:
${assert}
`;

async function runOne(bank: string, judgeReply?: string, content = GOOD) {
  scriptByVersion(ws.fake, (v) => (v === 'judge' ? { content: judgeReply ?? '' } : { content }));
  await ws.writeBank(bank);
  const r = await runSuite(await ws.suite('1', undefined, { cacheDir: undefined }));
  const c = r.cases[0];
  return {
    status: c?.candidate.status,
    results: c?.candidate.records[0]?.assertions ?? [],
    record: c?.candidate.records[0],
    report: r,
  };
}

describe('llm-rubric', () => {
  const bank = one('      - { type: llm-rubric, value: "Offers a refund" }');

  it('passes on a judge that says pass, fails on one that says fail', async () => {
    const yes = await runOne(bank, '{"reason": "offers a refund", "score": 0.9, "pass": true}');
    expect(yes.status).toBe('pass');
    expect(yes.results[0]).toMatchObject({ type: 'llm-rubric', pass: true, score: 0.9 });
    const no = await runOne(bank, '```json\n{"reason": "no refund", "score": 0.1, "pass": false}\n```');
    expect(no.status).toBe('fail');
    expect(no.results[0]?.reason).toMatch(/no refund/);
  });

  it.each([
    ['not JSON', 'Sure! The answer passes.', /not JSON/],
    ['out of range', '{"reason": "x", "score": 7, "pass": true}', /score 7 is not a number from 0 to 1/],
    ['no pass', '{"reason": "x", "score": 0.8}', /no boolean "pass"/],
    ['not an object', '[true]', /not a JSON object/],
  ])('a judge reply %s is an error for that assertion, never a pass', async (_what, reply, message) => {
    const r = await runOne(bank, reply);
    expect(r.status).toBe('error');
    expect(r.results[0]?.pass).toBe(false);
    expect(r.results[0]?.error).toMatch(message);
    expect(r.report.verdict.pass).toBe(false);
    expect(r.report.verdict.infraErrors).toBe(0);
  });

  it('a threshold decides on the score', async () => {
    const r = await runOne(
      one('      - { type: llm-rubric, value: "Offers a refund", threshold: 0.95 }'),
      '{"reason":"ok","score":0.9,"pass":true}',
    );
    expect(r.status).toBe('fail');
  });

  it('the judge request goes to the judge model with the rubric and the output', async () => {
    await runOne(bank, '{"reason":"ok","score":1,"pass":true}');
    const judge = ws.fake.requests.find((q) => q.body?.messages?.[0]?.content?.startsWith('You grade'));
    expect(judge?.body.model).toBe('gpt-4o-mini');
    expect(judge?.body.messages[1].content).toContain('Offers a refund');
    expect(judge?.body.messages[1].content).toContain(GOOD);
  });

  it('parseJudgeReply accepts only a well-formed verdict', () => {
    expect(parseJudgeReply('{"pass": false}')).toEqual({ pass: false, score: 0, reason: '' });
    expect(() => parseJudgeReply('{"pass": "yes"}')).toThrow(/no boolean "pass"/);
    expect(() => parseJudgeReply('{"pass": true, "score": -0.1}')).toThrow(/from 0 to 1/);
  });
});

describe('similar (embeddings)', () => {
  it('compares the output with `expected` by cosine similarity against the threshold', async () => {
    const bank = one('      - { type: similar, threshold: 0.8 }', '\n    expected: "You will get a refund."');
    // the output and the expected text get vectors 0.6 apart in angle (cos = 0.9), then 0.5
    for (const [b, pass] of [[[0.9, Math.sqrt(1 - 0.81)], true] as const, [[0.5, Math.sqrt(0.75)], false] as const]) {
      ws.fake.reset();
      scriptByVersion(ws.fake, (_v, _t, req) =>
        req.path.endsWith('/embeddings') ? { embeddings: [[1, 0], [...b]] } : { content: GOOD },
      );
      await ws.writeBank(bank);
      const r = await runSuite(await ws.suite('1', undefined, { cacheDir: undefined }));
      const a = r.cases[0]?.candidate.records[0]?.assertions[0];
      expect(a?.pass, a?.reason).toBe(pass);
      expect(a?.score).toBeCloseTo(b[0], 5);
      const emb = ws.fake.requests.find((q) => q.path.endsWith('/embeddings'));
      expect(emb?.body).toMatchObject({ model: 'text-embedding-3-small', input: [GOOD, 'You will get a refund.'] });
    }
  });
});

describe('deterministic assertions', () => {
  it.each([
    ['equals', '{ type: equals, value: "ok" }', 'ok', true],
    ['equals expected', '{ type: equals }', 'nope', false, '\n    expected: "ok"'],
    ['contains-all', '{ type: contains-all, value: [refund, steps] }', GOOD, true],
    ['icontains-all missing', '{ type: icontains-all, value: [refund, voucher] }', GOOD, false],
    ['starts-with', '{ type: starts-with, value: Sorry }', GOOD, true],
    ['regex with flags', '{ type: regex, value: "/REFUND in \\\\d days/i" }', GOOD, true],
    ['not-regex', '{ type: not-regex, value: "refund" }', GOOD, false],
    ['is-json', '{ type: is-json }', '{"a": 1}', true],
    ['is-json schema', '{ type: is-json, value: { type: object, required: [b] } }', '{"a": 1}', false],
    [
      'contains-json',
      '{ type: contains-json, value: { type: object, properties: { a: { type: number } } } }',
      'Here: {"a": 1} done',
      true,
    ],
    ['finish-reason', '{ type: finish-reason, value: stop }', GOOD, true],
    ['not-finish-reason', '{ type: not-finish-reason, value: stop }', GOOD, false],
  ])('%s', async (_name, assertion, output, pass, extra = '') => {
    const r = await runOne(one(`      - ${assertion}`, extra), undefined, output);
    expect(r.results[0]?.pass, r.results[0]?.reason).toBe(pass);
    expect(r.results[0]?.error).toBeUndefined();
  });

  it('a case threshold passes on the weighted score', async () => {
    const bank = one(
      '      - { type: contains, value: refund, weight: 3 }\n      - { type: contains, value: voucher, weight: 1 }',
      '\n    threshold: 0.7',
    );
    expect((await runOne(bank)).status).toBe('pass');
    expect((await runOne(bank.replace('threshold: 0.7', 'threshold: 0.8'))).status).toBe('fail');
  });

  it('javascript runs a module function with the output and the case', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      `${ws.bankDir}/short.mjs`,
      'export default (output, ctx) => ({ pass: output.length < 200 && ctx.vars.ticket === 1, score: 1, reason: "short enough" });',
    );
    await writeFile(`${ws.bankDir}/throws.mjs`, 'export default () => { throw new Error("boom"); };');
    expect((await runOne(one('      - { type: javascript, value: ./short.mjs }'))).results[0]).toMatchObject({
      pass: true,
      reason: 'short enough',
    });
    const bad = await runOne(one('      - { type: javascript, value: ./throws.mjs }'));
    expect(bad.status).toBe('error');
    expect(bad.results[0]?.error).toBe('boom');
  });

  it('latency and cost use what the run measured; an unpriced model is an error, never a pass', async () => {
    const r = await runOne(one('      - { type: latency, threshold: 60000 }\n      - { type: cost, threshold: 1 }'));
    expect(r.results.map((a) => a.pass)).toEqual([true, true]);
    expect(r.results[1]?.reason).toMatch(/^cost \$0\.\d+ <= \$1$/);
    await ws.registry.create('support-reply', {
      spec: {
        model: 'my-own-llm',
        parameters: {},
        messages: [{ role: 'user', content: '{{question}} (prompt v9)' }],
        variables: { question: { type: 'string' }, ticket: { type: 'number' } },
      },
    });
    scriptByVersion(ws.fake, () => ({ content: GOOD }));
    await ws.writeBank(one('      - { type: cost, threshold: 1 }'));
    const unpriced = await runSuite(await ws.suite('4', undefined, { cacheDir: undefined }));
    const a = unpriced.cases[0]?.candidate.records[0];
    expect(a?.costUsd).toBeNull();
    expect(a?.assertions[0]).toMatchObject({
      pass: false,
      error: expect.stringMatching(/cost of this run is unknown/),
    });
  });
});
