/**
 * The demo app: a small support-reply service using the plain `openai`, `@anthropic-ai/sdk` and `@google/genai` SDKs. It
 * knows nothing about telemetry except four things: who each ticket is for (`withSegment`: free, pro or
 * enterprise, seeded per ticket), its prompt comes from the file registry in `../prompts`
 * (`createPromptClient`; each ticket asks for the `production` or the `canary` label, and every call runs inside
 * `version.run()`, which tags it with the prompt name, version and label), the provider fallback some tickets
 * go through (`createRoute`), and the feedback its users give (`@promptscope/feedback`: thumbs and implicit
 * signals, keyed by the completion's `feedbackToken`). Start it with the register hook to get spans, metrics
 * and the feedback events:
 *
 *   node --import @promptscope/register examples/demo/src/app.mjs
 *
 * Each ticket (see `plan.mjs`) calls OpenAI directly (~40 %), Anthropic directly (~25 %), Gemini directly
 * (~15 %), or goes through the route `support-reply`: OpenAI first, then Anthropic, then Gemini (~20 %). After
 * an answer, a seeded share of users
 * give a thumb and some answers get an implicit signal (`feedback.mjs`); version 2 is liked less.
 *
 * Configuration (environment): OPENAI_BASE_URL / OPENAI_API_KEY (read by the SDK), ANTHROPIC_BASE_URL
 * (default: the origin of OPENAI_BASE_URL when that is set, since the fake provider speaks both wires),
 * ANTHROPIC_API_KEY, GEMINI_BASE_URL (the same default), GEMINI_API_KEY, DEMO_CALLS (60), DEMO_SEED (7), DEMO_CONCURRENCY (4), DEMO_MODEL (gpt-4o-mini),
 * DEMO_ANTHROPIC_MODEL (claude-haiku-4-5), DEMO_GEMINI_MODEL (gemini-2.5-flash), DEMO_CANARY_SHARE (0.35), DEMO_OPENAI_ONLY (1: every ticket calls
 * OpenAI directly; what `--real` uses), DEMO_PROMPTS_DIR (the registry, default `../prompts`).
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { withSegment } from '@promptscope/core';
import { feedbackToken } from '@promptscope/feedback';
import { createPromptClient } from '@promptscope/prompts';
import { createRoute } from '@promptscope/route';
import OpenAI from 'openai';
import { giveFeedback } from './feedback.mjs';
import { DEFAULT_CANARY_SHARE, ticketPlan } from './plan.mjs';
import { PROMPT_NAME, PROMPTS_DIR, ticketVariables } from './prompts.mjs';

const calls = intEnv('DEMO_CALLS', 60);
const seed = intEnv('DEMO_SEED', 7);
const concurrency = intEnv('DEMO_CONCURRENCY', 4);
const canaryShare = Number(process.env.DEMO_CANARY_SHARE ?? DEFAULT_CANARY_SHARE);
const openaiOnly = process.env.DEMO_OPENAI_ONLY === '1';
const model = process.env.DEMO_MODEL || 'gpt-4o-mini';
const anthropicModel = process.env.DEMO_ANTHROPIC_MODEL || 'claude-haiku-4-5';
const geminiModel = process.env.DEMO_GEMINI_MODEL || 'gemini-2.5-flash';
const MAX_TOKENS = 200;

// The registry bundled with the app; a label lookup answers from memory within the TTL.
const prompts = createPromptClient({ source: { dir: process.env.DEMO_PROMPTS_DIR || PROMPTS_DIR } });

// maxRetries 0: injected faults show up as failed calls instead of being retried away, and under the
// route, the route's retries are the only ones (each attempt one request, one span).
const openai = new OpenAI({ maxRetries: 0, timeout: 30_000 });
const anthropic = new Anthropic({
  baseURL: process.env.ANTHROPIC_BASE_URL || originOf(process.env.OPENAI_BASE_URL),
  apiKey: process.env.ANTHROPIC_API_KEY || 'sk-ant-demo-not-a-real-key',
  maxRetries: 0,
  timeout: 30_000,
});
// @google/genai does not retry unless asked to; its base URL points at the fake provider's Gemini paths.
const gemini = new GoogleGenAI({
  apiKey: process.env.GEMINI_API_KEY || 'demo-gemini-not-a-real-key',
  httpOptions: { baseUrl: process.env.GEMINI_BASE_URL || originOf(process.env.OPENAI_BASE_URL), timeout: 30_000 },
});

/**
 * @typedef {object} Ticket
 * @property {string} system
 * @property {string} user
 * @property {boolean} stream
 * @property {boolean} [fellBack] set when the route moved on to another provider
 */

/**
 * @typedef {object} Answer
 * @property {string} text
 * @property {unknown} result what the SDK returned (a response or a consumed stream): its feedback token
 */

// OpenAI first; after one retry (50-200 ms backoff) on a 5xx, 429 or timeout, Anthropic (one retry too), then
// Gemini: a route mixes any instrumented SDKs, and each attempt gets its provider's span.
// The breaker is off so that which tickets fall back depends on the seed alone, not on timing.
const route = createRoute({
  name: 'support-reply',
  targets: [
    {
      name: 'openai',
      provider: 'openai',
      model,
      /** @param {Ticket} t */
      call: (attempt, t) => askOpenAI(t, attempt.signal),
    },
    {
      name: 'anthropic',
      provider: 'anthropic',
      model: anthropicModel,
      /** @param {Ticket} t */
      call: (attempt, t) => {
        if (attempt.kind === 'fallback') t.fellBack = true;
        return askAnthropic(t, attempt.signal);
      },
    },
    {
      name: 'gemini',
      provider: 'gcp.gemini',
      model: geminiModel,
      /** @param {Ticket} t */
      call: (attempt, t) => askGemini(t, attempt.signal),
    },
  ],
  retry: { attempts: 1, initialDelayMs: 50, maxDelayMs: 200 },
  breaker: false,
});

/** Provider requests that failed (direct calls and route attempts): one error span each. */
let failedRequests = 0;
let routed = 0;
let fellBack = 0;
/** Feedback records sent, per prompt version: `version -> { thumbs, implicit }`. */
const feedbackSent = new Map();

/**
 * @param {string} name
 * @param {number} fallback
 */
function intEnv(name, fallback) {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** @param {string | undefined} url */
function originOf(url) {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One request, counted when it fails.
 * @template T
 * @param {() => Promise<T>} request
 * @returns {Promise<T>}
 */
async function counted(request) {
  try {
    return await request();
  } catch (err) {
    failedRequests++;
    throw err;
  }
}

/**
 * @param {Ticket} t
 * @param {AbortSignal} [signal]
 * @returns {Promise<Answer>}
 */
function askOpenAI(t, signal) {
  const messages = /** @type {const} */ ([
    { role: 'system', content: t.system },
    { role: 'user', content: t.user },
  ]);
  return counted(async () => {
    if (t.stream) {
      const chunks = await openai.chat.completions.create(
        {
          model,
          messages,
          max_completion_tokens: MAX_TOKENS,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal },
      );
      let text = '';
      for await (const chunk of chunks) text += chunk.choices[0]?.delta?.content ?? '';
      return { text, result: chunks };
    }
    const completion = await openai.chat.completions.create(
      { model, messages, max_completion_tokens: MAX_TOKENS },
      { signal },
    );
    return { text: completion.choices[0]?.message?.content ?? '', result: completion };
  });
}

/**
 * @param {Ticket} t
 * @param {AbortSignal} [signal]
 * @returns {Promise<Answer>}
 */
function askAnthropic(t, signal) {
  const body = {
    model: anthropicModel,
    system: t.system,
    messages: [{ role: /** @type {const} */ ('user'), content: t.user }],
    max_tokens: MAX_TOKENS,
  };
  return counted(async () => {
    if (t.stream) {
      const events = await anthropic.messages.create({ ...body, stream: true }, { signal });
      let text = '';
      for await (const event of events) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      return { text, result: events };
    }
    const message = await anthropic.messages.create(body, { signal });
    return {
      text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
      result: message,
    };
  });
}

/**
 * @param {Ticket} t
 * @param {AbortSignal} [signal]
 * @returns {Promise<Answer>}
 */
function askGemini(t, signal) {
  const params = {
    model: geminiModel,
    contents: t.user,
    config: { systemInstruction: t.system, maxOutputTokens: MAX_TOKENS, abortSignal: signal },
  };
  return counted(async () => {
    if (t.stream) {
      const chunks = await gemini.models.generateContentStream(params);
      let text = '';
      for await (const chunk of chunks) text += chunk.text ?? '';
      return { text, result: chunks };
    }
    const response = await gemini.models.generateContent(params);
    return { text: response.text ?? '', result: response };
  });
}

/**
 * One support reply, for the ticket's user segment (`free`, `pro`, `enterprise`): every completion and
 * feedback record inside carries `promptscope.user.segment`. `ticket` numbers start at 1.
 * @param {number} ticket
 * @returns {Promise<boolean>} whether a provider answered
 */
function reply(ticket) {
  const plan = ticketPlan(seed, ticket, canaryShare);
  return withSegment(plan.segment, () => replyIn(ticket, plan));
}

/**
 * @param {number} ticket
 * @param {ReturnType<typeof ticketPlan>} plan
 * @returns {Promise<boolean>}
 */
async function replyIn(ticket, plan) {
  const path = openaiOnly ? 'openai' : plan.path;
  const { label, stream } = plan;
  const prompt = await prompts.get(PROMPT_NAME, { label });
  /** @type {Ticket} */
  const t = { system: '', user: '', stream };
  let answer;
  try {
    answer = await prompt.run(() => {
      // Rendered inside run(): with content capture on, the completion's span also carries the variables
      // (gen_ai.prompt.variable.*), which is what `promptscope bank add` turns into a test case.
      const rendered = prompt.render(ticketVariables(ticket));
      const messages = rendered.type === 'chat' ? rendered.messages : [{ role: 'user', content: rendered.text }];
      t.system = messages.find((m) => m.role === 'system')?.content ?? '';
      t.user = messages.find((m) => m.role === 'user')?.content ?? '';
      if (path === 'openai') return askOpenAI(t);
      if (path === 'anthropic') return askAnthropic(t);
      if (path === 'gemini') return askGemini(t);
      routed++;
      // A signal per call: the SDKs add an abort listener to it on every attempt.
      return route.call(t, { signal: AbortSignal.timeout(60_000) });
    });
  } catch (err) {
    const kind = stream ? 'stream' : 'plain';
    console.log(
      `[app] ticket #${ticket} (v${prompt.version} ${label}, ${kind}, ${path}) failed: ${oneLine(err)}; carrying on`,
    );
    return false;
  } finally {
    if (t.fellBack) fellBack++;
  }
  // The user's reaction to the answer, keyed by the completion's token (the server would send it to the browser).
  const token = feedbackToken(answer.result);
  if (token !== undefined) {
    const sent = giveFeedback(token, { seed, ticket, version: prompt.version, text: answer.text });
    const counts = feedbackSent.get(prompt.version) ?? { thumbs: 0, implicit: 0 };
    counts.thumbs += sent.thumbs;
    counts.implicit += sent.implicit;
    feedbackSent.set(prompt.version, counts);
  }
  return true;
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
console.log(
  `[app] ${calls} calls: ${calls - failed} answered, ${failed} failed; ` +
    `${routed} routed (${fellBack} fell back); ${failedRequests} provider requests failed`,
);
const feedbackLine = [...feedbackSent.entries()]
  .sort(([a], [b]) => a - b)
  .map(([version, c]) => `v${version} ${c.thumbs} thumbs + ${c.implicit} implicit`)
  .join(', ');
console.log(`[app] feedback: ${feedbackLine || 'none (no feedback token: is the register hook loaded?)'}`);
prompts.close();
