/** The gate's statistics and checks, on hand-computable inputs; and the config file's errors. */
import { describe, expect, it } from 'vitest';
import {
  diffInterval,
  evaluatePolicy,
  fisherExact,
  outcomeOf,
  parseConfig,
  parseFraction,
  percentile,
  type RunRecord,
  wilson,
} from '../src/index.js';

const rec = (status: RunRecord['status'], extra: Partial<RunRecord> = {}): RunRecord => ({
  repeat: 0,
  status,
  cached: false,
  assertions: [],
  ...extra,
});

describe('statistics', () => {
  it('Wilson 95% intervals', () => {
    const [lo, hi] = wilson(8, 10);
    expect(lo).toBeCloseTo(0.4902, 3);
    expect(hi).toBeCloseTo(0.9433, 3);
    expect(wilson(0, 5)[0]).toBe(0);
    expect(wilson(5, 5)[1]).toBe(1);
  });

  it("Fisher's exact test, two-sided", () => {
    // [[3, 0], [0, 3]]: p = 2 / C(6,3) = 0.1
    expect(fisherExact(3, 0, 0, 3)).toBeCloseTo(0.1, 10);
    expect(fisherExact(1, 0, 0, 1)).toBeCloseTo(1, 10);
    expect(fisherExact(10, 0, 0, 10)).toBeLessThan(0.001);
  });

  it('Newcombe interval of a difference contains 0 exactly when it is within noise', () => {
    const [lo, hi] = diffInterval(5, 5, 4, 5);
    expect(lo).toBeLessThan(0);
    expect(hi).toBeGreaterThan(0);
    expect(diffInterval(20, 20, 2, 20)[0]).toBeGreaterThan(0);
  });

  it('nearest-rank p95 and percentages', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 0.95)).toBe(19);
    expect(parseFraction('10%', 'x')).toBeCloseTo(0.1, 12);
    expect(parseFraction('0.25', 'x')).toBe(0.25);
    expect(() => parseFraction('ten', '--max-cost-increase')).toThrow(/--max-cost-increase: expected a percentage/);
  });
});

describe('policy', () => {
  const policy = { minPassRate: 1, maxNewFailures: 0, maxCostIncrease: 0.1 };
  const c = (id: string, cand: RunRecord[], base: RunRecord[]) => ({
    id,
    critical: false,
    tags: [],
    vars: {},
    candidate: outcomeOf(cand, 1),
    baseline: outcomeOf(base, 1),
  });

  it('an unknown cost is not a pass: the budget cannot be measured and the verdict is an error', () => {
    const v = evaluatePolicy(
      [c('a', [rec('pass', { costUsd: null })], [rec('pass', { costUsd: 0.001 })])],
      policy,
      true,
    );
    expect(v.pass).toBe(false);
    expect(v.infraErrors).toBe(1);
    expect(v.checks.find((x) => x.name === 'mean cost')?.detail).toMatch(/unknown, never 0/);
  });

  it('a mean cost over the budget fails, within it passes', () => {
    const over = evaluatePolicy(
      [c('a', [rec('pass', { costUsd: 0.0012 })], [rec('pass', { costUsd: 0.001 })])],
      policy,
      true,
    );
    expect(over.checks.find((x) => x.name === 'mean cost')).toMatchObject({
      pass: false,
      detail: '$0.001200 against $0.001000 (+20.0%, budget +10.0%)',
    });
    const within = evaluatePolicy(
      [c('a', [rec('pass', { costUsd: 0.00105 })], [rec('pass', { costUsd: 0.001 })])],
      policy,
      true,
    );
    expect(within.pass).toBe(true);
  });
});

describe('promptscope.config.yaml', () => {
  it('reads settings and names the field it refuses', () => {
    const cfg = parseConfig(
      {
        test: { minPassRate: '95%', repeat: 3, judge: { model: 'claude-haiku-4-5' } },
        promote: { gated: ['production', 'staging'] },
      },
      'promptscope.config.yaml',
    );
    expect(cfg.test).toEqual({
      minPassRate: 0.95,
      repeat: 3,
      judge: { model: 'claude-haiku-4-5', provider: 'anthropic' },
    });
    expect(cfg.promote.gated).toEqual(['production', 'staging']);
    expect(() => parseConfig({ test: { repeats: 3 } }, 'promptscope.config.yaml')).toThrow(
      /promptscope\.config\.yaml: test\.repeats: unknown setting/,
    );
    expect(() => parseConfig({ test: { minPassRate: 2 } }, 'c.yaml')).toThrow(
      /c\.yaml: test\.minPassRate: must be at most 1/,
    );
    expect(() => parseConfig({ promote: { gated: 'production' } }, 'c.yaml')).toThrow(/promote\.gated: must be a list/);
  });
});
