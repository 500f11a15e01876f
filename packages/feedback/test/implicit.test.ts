import { describe, expect, it } from 'vitest';
import { implicitScore } from '../src/implicit.js';
import { DEFAULT_IMPLICIT_SCORES, EDIT_RATIO_BUDGET, editRatio } from '../src/index.js';

describe('editRatio', () => {
  it('is 0 for identical texts and 1 for fully rewritten ones', () => {
    expect(editRatio('hello', 'hello')).toBe(0);
    expect(editRatio('', '')).toBe(0);
    expect(editRatio('abc', 'xyz')).toBe(1);
    expect(editRatio('', 'abc')).toBe(1);
    expect(editRatio('abc', '')).toBe(1);
  });

  it('is the normalized Levenshtein distance for small texts', () => {
    expect(editRatio('kitten', 'sitting')).toBeCloseTo(3 / 7);
    expect(editRatio('Thanks for asking!', 'Thanks for asking.')).toBeCloseTo(1 / 18);
    expect(editRatio('abcdef', 'abXdef')).toBeCloseTo(1 / 6);
    expect(editRatio('prefix middle suffix', 'prefix suffix')).toBeCloseTo(7 / 20);
  });

  it('stays bounded for long texts (word level, then bag of words)', () => {
    const words = Array.from({ length: 4000 }, (_, i) => `w${i % 97}x${i}`);
    const a = words.join(' ');
    const b = words.map((w, i) => (i % 10 === 0 ? 'changed' : w)).join(' ');
    expect(a.length * b.length).toBeGreaterThan(EDIT_RATIO_BUDGET);
    let started = performance.now();
    expect(editRatio(a, b)).toBeCloseTo(0.1, 2);
    expect(performance.now() - started).toBeLessThan(1000);

    const many = Array.from({ length: 60_000 }, (_, i) => `t${i}`);
    const c = many.join(' ');
    const d = many.slice(0, 30_000).join(' ');
    started = performance.now();
    // The shorter text is a prefix: the exact measure applies after trimming.
    expect(editRatio(c, d)).toBeCloseTo(1 - d.length / c.length, 5);
    const shuffled = [...many.slice(30_000), ...many.slice(0, 30_000)].join(' ');
    expect(editRatio(c, shuffled)).toBe(0); // bag of words: order ignored (documented)
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses non-strings', () => {
    expect(() => editRatio('a', undefined as unknown as string)).toThrow(/both arguments must be strings/);
  });
});

describe('default implicit mapping', () => {
  it('maps each signal as documented', () => {
    const s = (signal: keyof typeof DEFAULT_IMPLICIT_SCORES, editRatio?: number) =>
      implicitScore(DEFAULT_IMPLICIT_SCORES, editRatio === undefined ? { signal } : { signal, editRatio });
    expect(s('accepted')).toBe(1);
    expect(s('copied')).toBe(0.7);
    expect(s('edited', 0.25)).toBe(0.75);
    expect(s('regenerated')).toBe(0);
    expect(s('discarded')).toBe(0);
    expect(s('abandoned')).toBe(0.2);
  });
});
