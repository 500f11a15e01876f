import { afterAll, beforeAll, beforeEach } from 'vitest';
import { captureDiagnostics, diagnostics, type Env, startEnv } from './scenario.js';

/**
 * One harness and one fake provider per test file, reset before each test. The returned object is
 * filled in before the first test runs.
 */
export function useEnv(): Env {
  captureDiagnostics();
  const env = {} as Env;
  beforeAll(async () => {
    Object.assign(env, await startEnv());
  });
  afterAll(() => env.close());
  beforeEach(async () => {
    env.fake.reset();
    diagnostics.length = 0;
    await env.harness.reset();
  });
  return env;
}
