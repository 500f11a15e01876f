import { describe, expect, it } from 'vitest';
import { latestFeedback } from '../src/index.js';

interface Rec {
  name: string;
  trace: string;
  span: string;
  evaluation: string;
  id?: string;
  t: number;
}
const key = (r: Rec) => ({
  completion: `${r.trace}/${r.span}`,
  evaluation: r.evaluation,
  id: r.id,
  record: r.name,
  time: r.t,
});
const names = (rs: Rec[]) => latestFeedback(rs, key).map((r) => r.name);

describe('latestFeedback (last wins, for readers)', () => {
  const up = { trace: 't1', span: 's1', evaluation: 'thumbs', id: 'u1' };

  it('keeps the latest record per completion, evaluation name and id, oldest first', () => {
    expect(
      names([
        { ...up, name: 'down', t: 30 },
        { ...up, name: 'up', t: 10 },
        { ...up, evaluation: 'rating', name: 'rating', t: 20 },
      ]),
    ).toEqual(['rating', 'down']);
  });

  it('does not merge across completions, and counts every record without an id', () => {
    expect(
      names([
        { ...up, name: 'a', t: 1 },
        { ...up, span: 's2', name: 'other completion', t: 2 },
        { ...up, id: undefined, name: 'no id 1', t: 3 },
        { ...up, id: undefined, name: 'no id 2', t: 4 },
      ]),
    ).toEqual(['a', 'other completion', 'no id 1', 'no id 2']);
  });

  it('on a tie in time, the record read later wins', () => {
    expect(
      names([
        { ...up, name: 'first', t: 5 },
        { ...up, name: 'second', t: 5 },
      ]),
    ).toEqual(['second']);
  });
});
