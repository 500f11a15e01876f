/**
 * The demo's prompt registry (`../prompts`, written with `promptscope prompt new` / `promote`): one prompt,
 * `support-reply`, in two versions. Version 1 is `production`; version 2 (`canary`, `staging`, `latest`) has a
 * longer, friendlier template (more input tokens, longer answers, a little slower, and worse feedback).
 *
 * The app reads it with `createPromptClient` (see `app.mjs`); the fake provider's scenario, which runs in the
 * parent and must stay synchronous, renders the version files itself to tell the versions apart by their
 * system message.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSpec, render } from '@promptscope/prompts';

export const PROMPT_NAME = 'support-reply';
/** The registry root, bundled with the app. */
export const PROMPTS_DIR = fileURLToPath(new URL('../prompts', import.meta.url));

export const TICKETS = [
  'I was charged twice for my March invoice.',
  'The dashboard shows a 502 error since this morning.',
  'How do I rotate my API key without downtime?',
  'Our bucket uploads fail with "signature mismatch".',
  'Can I move my project to the EU region?',
  'The CLI hangs at "waiting for auth".',
  'Please cancel the add-on we bought by mistake.',
  'Latency to eu-west doubled after the last deploy.',
];

/**
 * The prompt variables of ticket `n`: the ticket number goes into the user message, where the fake
 * provider's scenario reads it.
 * @param {number} n
 */
export function ticketVariables(n) {
  return { ticket: n, question: TICKETS[n % TICKETS.length] };
}

/** @type {Map<string, string> | undefined} system message -> version */
let systems;

/**
 * Every version's system message (rendered with the variables' defaults), read once from the registry.
 * @returns {Map<string, string>}
 */
function systemMessages() {
  if (systems !== undefined) return systems;
  systems = new Map();
  const dir = `${PROMPTS_DIR}/${PROMPT_NAME}`;
  for (const file of readdirSync(dir).filter((f) => /^v\d+\.yaml$/.test(f))) {
    const version = Number(file.slice(1, -5));
    const spec = parseSpec(readFileSync(`${dir}/${file}`), file, { name: PROMPT_NAME, version });
    const rendered = render(spec, { ticket: 0, question: '' });
    const system = rendered.type === 'chat' ? rendered.messages.find((m) => m.role === 'system')?.content : undefined;
    if (system !== undefined) systems.set(system, String(version));
  }
  return systems;
}

/**
 * Which prompt version and ticket a request body belongs to (for the fake provider): an OpenAI chat
 * completion (system message), an Anthropic message (top-level `system`, a string or text blocks) or a
 * Gemini `generateContent` request (`systemInstruction` and `contents`, as parts).
 * @param {any} body
 * @returns {{ version: string | undefined, ticket: number | undefined }}
 */
export function describeRequest(body) {
  if (Array.isArray(body?.contents)) {
    const user = partsText(body.contents.find((c) => c?.role === 'user') ?? body.contents[0]);
    return versionAndTicket(partsText(body.systemInstruction), user);
  }
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const system = Array.isArray(body?.system)
    ? body.system.map((b) => b?.text ?? '').join('')
    : (body?.system ?? messages.find((m) => m?.role === 'system')?.content);
  return versionAndTicket(system, messages.find((m) => m?.role === 'user')?.content);
}

/** @param {any} content a Gemini `Content` ({ parts: [{ text }] }) */
function partsText(content) {
  return Array.isArray(content?.parts) ? content.parts.map((p) => p?.text ?? '').join('') : undefined;
}

/**
 * @param {unknown} system
 * @param {unknown} user
 */
function versionAndTicket(system, user) {
  const version = typeof system === 'string' ? systemMessages().get(system) : undefined;
  const match = typeof user === 'string' ? /Ticket #(\d+)/.exec(user) : null;
  return { version, ticket: match ? Number(match[1]) : undefined };
}
