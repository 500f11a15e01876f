/**
 * What the app does with each ticket, from the seed alone: which prompt label (`production` or `canary`, whose
 * versions the registry in `../prompts` says), streamed or not, and which
 * path (OpenAI, Anthropic or Gemini directly, or the `support-reply` fallback route). Shared by the app
 * (which makes the calls) and the fake provider's scenario (which needs to know a ticket is routed).
 */
import { rngFor } from './random.mjs';

/** Share of tickets that go through the fallback route (OpenAI, then Anthropic, then Gemini). */
export const ROUTE_SHARE = 0.2;
/** Share of tickets that call Anthropic directly. */
export const ANTHROPIC_SHARE = 0.25;
/** Share of tickets that call Gemini (`@google/genai`) directly; the rest call OpenAI directly. */
export const GEMINI_SHARE = 0.15;
export const DEFAULT_CANARY_SHARE = 0.35;

/**
 * Who each ticket is for (`withSegment`), with its share of tickets: most are free, few enterprise (whose
 * tickets carry more context and get longer answers: more tokens, see `scenario.mjs`).
 * @type {readonly (readonly ['free' | 'pro' | 'enterprise', number])[]}
 */
export const SEGMENTS = Object.freeze([
  ['free', 0.6],
  ['pro', 0.3],
  ['enterprise', 0.1],
]);

/** @typedef {'openai' | 'anthropic' | 'gemini' | 'route'} TicketPath */
/** @typedef {'free' | 'pro' | 'enterprise'} Segment */

/**
 * Always three draws in the same order, so the path does not depend on the canary share. The segment comes
 * from a stream of its own, so adding it changed none of the other choices.
 * @param {number} seed
 * @param {number} ticket 1-based
 * @param {number} [canaryShare]
 * @returns {{ label: 'production' | 'canary', stream: boolean, path: TicketPath, segment: Segment }}
 */
export function ticketPlan(seed, ticket, canaryShare = DEFAULT_CANARY_SHARE) {
  const rng = rngFor(seed, ticket, 0);
  const label = rng() < canaryShare ? 'canary' : 'production';
  const stream = rng() < 0.5;
  const r = rng();
  const path =
    r < ROUTE_SHARE
      ? 'route'
      : r < ROUTE_SHARE + ANTHROPIC_SHARE
        ? 'anthropic'
        : r < ROUTE_SHARE + ANTHROPIC_SHARE + GEMINI_SHARE
          ? 'gemini'
          : 'openai';
  return { label, stream, path, segment: ticketSegment(seed, ticket) };
}

/**
 * @param {number} seed
 * @param {number} ticket 1-based
 * @returns {Segment}
 */
export function ticketSegment(seed, ticket) {
  const r = rngFor(seed, ticket, 4)();
  let acc = 0;
  for (const [segment, share] of SEGMENTS) {
    acc += share;
    if (r < acc) return segment;
  }
  return SEGMENTS[SEGMENTS.length - 1][0];
}
