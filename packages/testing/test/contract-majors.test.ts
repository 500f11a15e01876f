import { afterEach, describe, expect, it } from 'vitest';
import { MAJORS_ENV, majorsUnderTest } from '../src/contract.js';

const saved = process.env[MAJORS_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[MAJORS_ENV];
  else process.env[MAJORS_ENV] = saved;
});

describe('the SDK lines a contract family runs on', () => {
  const majors = ['v4', 'v5', 'v6', 'v7'];

  it('every line by default and with "all"', () => {
    delete process.env[MAJORS_ENV];
    expect(majorsUnderTest(majors)).toEqual(majors);
    process.env[MAJORS_ENV] = 'all';
    expect(majorsUnderTest(majors)).toEqual(majors);
  });

  it('the oldest and the newest with "edges", once when there is one line', () => {
    process.env[MAJORS_ENV] = 'edges';
    expect(majorsUnderTest(majors)).toEqual(['v4', 'v7']);
    expect(majorsUnderTest(['v1'])).toEqual(['v1']);
  });

  it('refuses any other value, naming the variable and what it accepts', () => {
    process.env[MAJORS_ENV] = 'newest';
    expect(() => majorsUnderTest(majors)).toThrow(
      /PROMPTSCOPE_CONTRACT_MAJORS=newest: expected "all" \(the default\) or "edges"/,
    );
  });
});
