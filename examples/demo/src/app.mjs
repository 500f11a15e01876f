/**
 * The demo app: a small support-reply service using the plain `openai` SDK. It knows nothing about
 * telemetry except `withPrompt`, which tags each call with the prompt version that produced it.
 * Start it with the register hook to get spans and metrics:
 *
 *   node --import @promptscope/register examples/demo/src/app.mjs
 *
 * Configuration (environment): OPENAI_BASE_URL / OPENAI_API_KEY (read by the SDK), DEMO_CALLS (60),
 * DEMO_SEED (7), DEMO_CONCURRENCY (4), DEMO_MODEL (gpt-4o-mini), DEMO_CANARY_SHARE (0.35).
 */
import { withPrompt } from '@promptscope/core';
import OpenAI from 'openai';
import { PROMPT_NAME, ticketMessage, VERSIONS } from './prompts.mjs';
import { rngFor } from './random.mjs';

const calls = intEnv('DEMO_CALLS', 60);
const seed = intEnv('DEMO_SEED', 7);
const concurrency = intEnv('DEMO_CONCURRENCY', 4);
const canaryShare = Number(process.env.DEMO_CANARY_SHARE ?? 0.35);
const model = process.env.DEMO_MODEL || 'gpt-4o-mini';

// maxRetries 0: injected faults show up as failed calls instead of being retried away.
const client = new OpenAI({ maxRetries: 0, timeout: 30_000 });

/**
 * @param {string} name
 * @param {number} fallback
 */
function intEnv(name, fallback) {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * One support reply. `ticket` numbers start at 1.
 * @param {number} ticket
 * @returns {Promise<boolean>} whether the provider answered
 */
async function reply(ticket) {
  const rng = rngFor(seed, ticket, 0);
  const version = rng() < canaryShare ? '2' : '1';
  const stream = rng() < 0.5;
  const { label, system } = VERSIONS[version];
  const messages = [
    { role: 'system', content: system },
    { role: 'user', content: ticketMessage(ticket) },
  ];
  try {
    await withPrompt({ name: PROMPT_NAME, version, label }, async () => {
      if (stream) {
        const chunks = await client.chat.completions.create({
          model,
          messages,
          max_completion_tokens: 200,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        for await (const chunk of chunks) text += chunk.choices[0]?.delta?.content ?? '';
        return text;
      }
      const completion = await client.chat.completions.create({ model, messages, max_completion_tokens: 200 });
      return completion.choices[0]?.message?.content ?? '';
    });
    return true;
  } catch (err) {
    const kind = stream ? 'stream' : 'plain';
    console.log(`[app] ticket #${ticket} (v${version}, ${kind}) failed: ${oneLine(err)}; carrying on`);
    return false;
  }
}

/** @param {unknown} err */
function oneLine(err) {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 120);
}

let next = 1;
let failed = 0;
async function worker() {
  while (next <= calls) {
    const ticket = next++;
    if (!(await reply(ticket))) failed++;
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
console.log(`[app] ${calls} calls: ${calls - failed} answered, ${failed} failed`);
