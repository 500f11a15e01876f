import { describe, expect, it } from 'vitest';
import { BREAKER_DEFAULTS, Breaker } from '../src/breaker.js';

const opts = { ...BREAKER_DEFAULTS, windowMs: 10_000, minRequests: 4, failureRatio: 0.5, cooldownMs: 5_000 };

describe('Breaker', () => {
  it('opens at the ratio once minRequests is reached, not before', () => {
    const b = new Breaker(opts);
    expect(b.failure(0)).toBe(false);
    expect(b.failure(1)).toBe(false);
    b.success(2);
    expect(b.stateAt(3)).toBe('closed');
    expect(b.failure(3)).toBe(true); // 3 of 4 failed
    expect(b.stateAt(4)).toBe('open');
    expect(b.acquire(4)).toBe(false);
  });

  it('below the ratio it stays closed', () => {
    const b = new Breaker(opts);
    for (let i = 0; i < 6; i++) b.success(i);
    for (let i = 0; i < 5; i++) expect(b.failure(10 + i)).toBe(false);
    expect(b.failure(20)).toBe(true); // 6 of 12
  });

  it('failures older than the window are forgotten', () => {
    const b = new Breaker(opts);
    b.failure(0);
    b.failure(1);
    b.failure(2);
    // 3 old failures have left the window: one new failure is 1 of 1, below minRequests.
    expect(b.failure(25_000)).toBe(false);
    expect(b.stateAt(25_000)).toBe('closed');
  });

  it('half-open lets one trial through; its failure reopens for a new cooldown, its success closes', () => {
    const b = new Breaker({ ...opts, minRequests: 1 });
    expect(b.failure(0)).toBe(true);
    expect(b.stateAt(4_999)).toBe('open');
    expect(b.stateAt(5_000)).toBe('half_open');
    expect(b.acquire(5_000)).toBe(true);
    expect(b.acquire(5_001)).toBe(false); // one trial at a time
    expect(b.failure(5_100)).toBe(true);
    expect(b.stateAt(10_000)).toBe('open');
    expect(b.stateAt(10_100)).toBe('half_open');
    expect(b.acquire(10_100)).toBe(true);
    b.success(10_200);
    expect(b.stateAt(10_200)).toBe('closed');
    // Counting starts afresh after closing.
    expect(b.failure(10_300)).toBe(true);
  });

  it('a released trial (4xx, abort) leaves the breaker half-open for the next caller', () => {
    const b = new Breaker({ ...opts, minRequests: 1 });
    b.failure(0);
    expect(b.acquire(6_000)).toBe(true);
    b.release();
    expect(b.stateAt(6_001)).toBe('half_open');
    expect(b.acquire(6_001)).toBe(true);
  });

  it('a late success from a call started before the breaker opened does not close it', () => {
    const b = new Breaker({ ...opts, minRequests: 1 });
    b.failure(0);
    b.success(1);
    expect(b.stateAt(2)).toBe('open');
  });
});
