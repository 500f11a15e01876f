/**
 * What the fake provider does for each request: a seeded, per-ticket mix of normal answers, slow
 * answers, rate limits and server errors, on the three wires (OpenAI `/v1/chat/completions`, Anthropic
 * `/v1/messages`, Gemini `/v1beta/models/…:generateContent`). Tickets the app sends through the fallback route
 * (see `plan.mjs`) get their own script: on some of them OpenAI is "down" (5xx to every attempt), so the route
 * falls back to Anthropic, and where Anthropic is overloaded too, to Gemini.
 * Runs in the parent process (`fake.script(scenario(seed))`); one scenario per run (it counts attempts).
 */
import { ticketPlan, ticketSegment } from './plan.mjs';
import { describeRequest } from './prompts.mjs';
import { between, rngFor } from './random.mjs';

export const RATE_LIMIT_SHARE = 0.08;
export const SERVER_ERROR_SHARE = 0.05;
export const SLOW_SHARE = 0.15;
/** Routed tickets: OpenAI answers 500 or 503 to every attempt, so the route falls back to Anthropic. */
export const PRIMARY_DOWN_SHARE = 0.5;
/** Other routed tickets: the first OpenAI attempt gets a 503, the route's retry is answered. */
export const PRIMARY_FLAKY_SHARE = 0.25;
/** Primary-down tickets on which Anthropic is overloaded (529) too: the route moves on to Gemini. */
export const SECONDARY_DOWN_SHARE = 0.2;
/** Secondary-down tickets on which Gemini fails too (503): the routed call fails. */
export const TERTIARY_DOWN_SHARE = 0.5;
/** Enterprise tickets carry more context and get longer answers: input and output tokens multiplied by these. */
export const ENTERPRISE_INPUT_FACTOR = 3;
export const ENTERPRISE_OUTPUT_FACTOR = 2;

const REPLIES = [
  'Thanks for reaching out. I have looked into your account and found the cause. Here is what to do next.',
  'Sorry about the trouble. This is a known issue on our side; a fix is rolling out and no action is needed.',
  'Good question. You can do this from the settings page without any downtime; the steps are below.',
];

/**
 * @param {number} seed
 * @returns {(req: import('@promptscope/testing').ScriptRequest) => import('@promptscope/testing').Script}
 */
export function scenario(seed) {
  /** Requests seen per wire and ticket: a route's retries of one ticket come one after another. */
  const seen = new Map();
  return (req) => {
    const anthropic = req.path.startsWith('/v1/messages');
    const gemini = /:(?:stream)?generateContent$/i.test(req.path);
    const wire = anthropic ? 'anthropic' : gemini ? 'gemini' : 'openai';
    const { version, ticket } = describeRequest(req.body);
    const canary = version === '2';
    const rng = rngFor(seed, ticket ?? req.index, 1);
    const roll = rng();
    const slow = rng() < SLOW_SHARE ? between(rng, 300, 800) : 0;
    const enterprise = ticket !== undefined && ticketSegment(seed, ticket) === 'enterprise';

    if (ticket !== undefined && ticketPlan(seed, ticket).path === 'route') {
      const key = `${wire} ${ticket}`;
      const attempt = (seen.get(key) ?? 0) + 1;
      seen.set(key, attempt);
      const r = rngFor(seed, ticket, 2);
      const primaryDown = r() < PRIMARY_DOWN_SHARE;
      const flaky = r() < PRIMARY_FLAKY_SHARE;
      const secondaryDown = primaryDown && r() < SECONDARY_DOWN_SHARE;
      const fault = r() < 0.5 ? 'server_error' : 'unavailable';
      const tertiaryDown = secondaryDown && r() < TERTIARY_DOWN_SHARE;
      if (wire === 'openai' && primaryDown) return { fault, responseDelayMs: between(rng, 20, 80) };
      if (wire === 'openai' && flaky && attempt === 1)
        return { fault: 'unavailable', responseDelayMs: between(rng, 20, 80) };
      if (anthropic && secondaryDown) return { fault: 'overloaded', responseDelayMs: between(rng, 20, 80) };
      if (gemini && tertiaryDown) return { fault: 'unavailable', responseDelayMs: between(rng, 20, 80) };
      return answer(rng, canary, anthropic, 0, enterprise);
    }

    if (roll < RATE_LIMIT_SHARE)
      return { fault: 'rate_limit', retryAfterSeconds: 1, responseDelayMs: between(rng, 5, 20) };
    if (roll < RATE_LIMIT_SHARE + SERVER_ERROR_SHARE)
      return { fault: anthropic ? 'overloaded' : 'server_error', responseDelayMs: between(rng, 20, 200) };
    return answer(rng, canary, anthropic, slow, enterprise);
  };
}

/**
 * A normal answer. Anthropic's usage counts the raw input apart from cache reads: the canary's long system
 * prompt is read from the prompt cache on about half of its calls.
 * @param {() => number} rng
 * @param {boolean} canary
 * @param {boolean} anthropic
 * @param {number} slow extra delay, ms
 * @param {boolean} [enterprise] an enterprise ticket: more tokens (drawn the same, then multiplied)
 * @returns {import('@promptscope/testing').Script}
 */
function answer(rng, canary, anthropic, slow, enterprise = false) {
  const input = (canary ? between(rng, 95, 110) : between(rng, 55, 65)) * (enterprise ? ENTERPRISE_INPUT_FACTOR : 1);
  const output =
    (canary ? between(rng, 140, 230) : between(rng, 80, 150)) * (enterprise ? ENTERPRISE_OUTPUT_FACTOR : 1);
  const cached = anthropic && canary && rng() < 0.5 ? 64 : 0;
  return {
    content: REPLIES[between(rng, 0, REPLIES.length - 1)],
    chunks: 8,
    responseDelayMs: between(rng, 60, 160) + (canary ? 40 : 0) + slow,
    firstChunkDelayMs: between(rng, 30, 90) + (canary ? 70 : 0) + slow,
    chunkDelayMs: between(rng, 8, 15),
    usage: anthropic ? { input: input - cached, cached, cacheWrite: 0, output } : { input, output },
  };
}
