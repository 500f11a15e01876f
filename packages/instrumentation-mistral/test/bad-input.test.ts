import { describeBadInput } from '@promptscope/testing/contract';
import { afterAll, beforeAll, expect } from 'vitest';
import { mistralAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

/*
 * mistral-v1's `APIPromise` derives a second promise in its constructor that nobody handles, so a response
 * body that is not JSON rejects it unhandled: the SDK's own behaviour, with or without us. Those (and only
 * those) are counted here rather than failing the run, and they must come in pairs: the plain and the
 * instrumented run of each scenario make the same ones.
 */
const fromV1Parser = (err: unknown) =>
  err instanceof SyntaxError && /mistral-v1[/\\]lib[/\\]matchers\.js/.test(String(err.stack));
const sdkRejections: unknown[] = [];
let saved: NodeJS.UnhandledRejectionListener[] = [];
beforeAll(() => {
  saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', (err, promise) => {
    if (fromV1Parser(err)) sdkRejections.push(err);
    else for (const listener of saved) listener(err, promise);
  });
});
afterAll(() => {
  process.removeAllListeners('unhandledRejection');
  for (const listener of saved) process.on('unhandledRejection', listener);
  expect(sdkRejections.length % 2).toBe(0);
});

describeBadInput(mistralAdapter, useEnv());
