import { afterAll, beforeAll, beforeEach } from 'vitest';
import { captureDiagnostics, diagnostics, type Env, startEnv } from './scenario.js';
import type { WireFormat } from './server.js';

/**
 * One harness and one fake provider per test file, reset before each test. The returned object is
 * filled in before the first test runs. `wires` replaces the fake's default wire formats.
 */
export function useEnv(wires?: WireFormat[]): Env {
  captureDiagnostics();
  const env = {} as Env;
  beforeAll(async () => {
    Object.assign(env, await startEnv(wires));
  });
  afterAll(() => env.close());
  beforeEach(async () => {
    env.fake.reset();
    diagnostics.length = 0;
    await env.harness.reset();
  });
  return env;
}
