/**
 * What the app does with each ticket, from the seed alone: which prompt label (`production` or `canary`, whose
 * versions the registry in `../prompts` says), streamed or not, and which
 * path (OpenAI directly, Anthropic directly, or the `support-reply` fallback route). Shared by the app
 * (which makes the calls) and the fake provider's scenario (which needs to know a ticket is routed).
 */
import { rngFor } from './random.mjs';

/** Share of tickets that go through the fallback route (OpenAI, then Anthropic). */
export const ROUTE_SHARE = 0.2;
/** Share of tickets that call Anthropic directly; the rest call OpenAI directly. */
export const ANTHROPIC_SHARE = 0.25;
export const DEFAULT_CANARY_SHARE = 0.35;

/** @typedef {'openai' | 'anthropic' | 'route'} TicketPath */

/**
 * Always three draws in the same order, so the path does not depend on the canary share.
 * @param {number} seed
 * @param {number} ticket 1-based
 * @param {number} [canaryShare]
 * @returns {{ label: 'production' | 'canary', stream: boolean, path: TicketPath }}
 */
export function ticketPlan(seed, ticket, canaryShare = DEFAULT_CANARY_SHARE) {
  const rng = rngFor(seed, ticket, 0);
  const label = rng() < canaryShare ? 'canary' : 'production';
  const stream = rng() < 0.5;
  const r = rng();
  const path = r < ROUTE_SHARE ? 'route' : r < ROUTE_SHARE + ANTHROPIC_SHARE ? 'anthropic' : 'openai';
  return { label, stream, path };
}
