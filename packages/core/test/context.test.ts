import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPrompt, withPrompt } from '../src/context.js';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => context.disable());

describe('withPrompt', () => {
  it('follows the work across await and timers, and ends with the scope', async () => {
    const seen: unknown[] = [];
    await withPrompt({ name: 'p', version: '2', label: 'canary' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push(getPrompt());
      await new Promise<void>((r) =>
        setImmediate(() => {
          seen.push(getPrompt());
          r();
        }),
      );
    });
    expect(seen).toEqual([
      { name: 'p', version: '2', label: 'canary' },
      { name: 'p', version: '2', label: 'canary' },
    ]);
    expect(getPrompt()).toBeUndefined();
  });

  it('nests: the innermost prompt wins', () => {
    withPrompt({ name: 'outer', version: '1' }, () => {
      withPrompt({ name: 'inner', version: '9' }, () => expect(getPrompt()?.name).toBe('inner'));
      expect(getPrompt()?.name).toBe('outer');
    });
  });

  it('rejects what would produce useless telemetry, saying how to fix it', () => {
    expect(() => withPrompt({ name: '', version: '1' }, () => 0)).toThrow(/name/);
    expect(() => withPrompt({ name: 'x', version: 3 as unknown as string }, () => 0)).toThrow(/String\(n\)/);
    expect(() => withPrompt(null as never, () => 0)).toThrow(TypeError);
  });
});
