/**
 * What the fake provider does for each request: a seeded, per-ticket mix of normal answers, slow
 * answers, rate limits and server errors. Runs in the parent process (`fake.script(scenario(seed))`).
 */
import { describeRequest } from './prompts.mjs';
import { between, rngFor } from './random.mjs';

export const RATE_LIMIT_SHARE = 0.08;
export const SERVER_ERROR_SHARE = 0.05;
export const SLOW_SHARE = 0.15;

const REPLIES = [
  'Thanks for reaching out. I have looked into your account and found the cause. Here is what to do next.',
  'Sorry about the trouble. This is a known issue on our side; a fix is rolling out and no action is needed.',
  'Good question. You can do this from the settings page without any downtime; the steps are below.',
];

/**
 * @param {number} seed
 * @returns {(req: { body: any, index: number }) => import('@promptscope/testing').Script}
 */
export function scenario(seed) {
  return (req) => {
    const { version, ticket } = describeRequest(req.body);
    const rng = rngFor(seed, ticket ?? req.index, 1);
    const roll = rng();
    const canary = version === '2';
    const slow = rng() < SLOW_SHARE ? between(rng, 300, 800) : 0;

    if (roll < RATE_LIMIT_SHARE)
      return { fault: 'rate_limit', retryAfterSeconds: 1, responseDelayMs: between(rng, 5, 20) };
    if (roll < RATE_LIMIT_SHARE + SERVER_ERROR_SHARE)
      return { fault: 'server_error', responseDelayMs: between(rng, 20, 200) };

    return {
      content: REPLIES[between(rng, 0, REPLIES.length - 1)],
      chunks: 8,
      responseDelayMs: between(rng, 60, 160) + (canary ? 40 : 0) + slow,
      firstChunkDelayMs: between(rng, 30, 90) + (canary ? 70 : 0) + slow,
      chunkDelayMs: between(rng, 8, 15),
      usage: {
        input: canary ? between(rng, 95, 110) : between(rng, 55, 65),
        output: canary ? between(rng, 140, 230) : between(rng, 80, 150),
      },
    };
  };
}
