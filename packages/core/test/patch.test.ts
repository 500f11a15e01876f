import { describe, expect, it } from 'vitest';
import { isWrapped, unwrapMethod, wrapMethod } from '../src/patch.js';

class Resource {
  create(a: number, b: number) {
    return a + b;
  }
}

describe('wrapMethod', () => {
  it('wraps once, keeps name and length, and unwraps', () => {
    const original = Resource.prototype.create;
    expect(
      wrapMethod(
        Resource.prototype,
        'create',
        (orig) =>
          function (this: unknown, ...args: unknown[]) {
            return orig.apply(this, args) * 10;
          },
      ),
    ).toBe(true);
    expect(new Resource().create(1, 2)).toBe(30);
    expect(Resource.prototype.create.name).toBe('create');
    expect(Resource.prototype.create.length).toBe(2);
    expect(isWrapped(Resource.prototype.create)).toBe(true);
    // A second hook (ESM and CJS, or manual after automatic) must not stack a second wrapper.
    expect(wrapMethod(Resource.prototype, 'create', () => () => -1)).toBe(false);
    expect(new Resource().create(1, 2)).toBe(30);
    unwrapMethod(Resource.prototype, 'create');
    expect(Resource.prototype.create).toBe(original);
  });

  it('does nothing for a missing method', () => {
    expect(wrapMethod({}, 'create', (o) => o)).toBe(false);
  });
});
