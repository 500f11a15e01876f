/**
 * The one prompt of the demo app, in two versions. Version 1 is what production runs; version 2 is a
 * canary with a longer, friendlier template (more input tokens, longer answers, a little slower).
 */

export const PROMPT_NAME = 'support-reply';

/** @type {Record<'1' | '2', { label: string, system: string }>} */
export const VERSIONS = {
  1: {
    label: 'production',
    system: 'You are a support agent for Acme Cloud. Answer the ticket in at most three sentences.',
  },
  2: {
    label: 'canary',
    system:
      'You are a warm, precise support agent for Acme Cloud. Acknowledge the customer, explain the cause ' +
      'if known, give numbered steps, and close with an offer to help further. Keep it under 120 words.',
  },
};

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
 * The user message for ticket `n`: carries the ticket number, which the fake provider's scenario reads.
 * @param {number} n
 */
export function ticketMessage(n) {
  return `Ticket #${n}: ${TICKETS[n % TICKETS.length]}`;
}

/**
 * Which prompt version and ticket a request body belongs to (for the fake provider): an OpenAI chat
 * completion (system message) or an Anthropic message (top-level `system`, a string or text blocks).
 * @param {any} body
 * @returns {{ version: '1' | '2' | undefined, ticket: number | undefined }}
 */
export function describeRequest(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const system = Array.isArray(body?.system)
    ? body.system.map((b) => b?.text ?? '').join('')
    : (body?.system ?? messages.find((m) => m?.role === 'system')?.content);
  const user = messages.find((m) => m?.role === 'user')?.content;
  const version = system === VERSIONS[2].system ? '2' : system === VERSIONS[1].system ? '1' : undefined;
  const match = typeof user === 'string' ? /Ticket #(\d+)/.exec(user) : null;
  return { version, ticket: match ? Number(match[1]) : undefined };
}
