/**
 * What the demo's users do with an answer, from the seed alone: some give a thumb, some answers get an
 * implicit signal (used as is, copied, edited, or regenerated). Version 2 (the canary) is liked less: more
 * thumbs down, more regenerations, heavier edits, so the quality panels and the quality alert have something
 * to show. Each record goes through `@promptscope/feedback` with the completion's token.
 */
import { recordImplicit, thumbs } from '@promptscope/feedback';
import { rngFor } from './random.mjs';

/** Share of answers that get a thumb (up or down). */
export const THUMBS_SHARE = 0.7;
/** Share of answers that get an implicit signal. */
export const IMPLICIT_SHARE = 0.6;

/**
 * Per version: the chance of a thumbs up, and the implicit signals' cumulative weights.
 * @type {Record<'good' | 'worse', { up: number, signals: [string, number][] }>}
 */
export const TASTE = {
  good: {
    up: 0.85,
    signals: [
      ['accepted', 0.5],
      ['copied', 0.3],
      ['edited', 0.12],
      ['regenerated', 0.08],
    ],
  },
  worse: {
    up: 0.45,
    signals: [
      ['accepted', 0.2],
      ['copied', 0.2],
      ['edited', 0.25],
      ['regenerated', 0.35],
    ],
  },
};

const COMPLAINTS = ['too long', 'did not answer the question', 'wrong steps'];

/**
 * Sends the feedback of ticket `ticket` on its answer. Never throws (a refused input is logged).
 * @param {string} token from `feedbackToken(result)`
 * @param {{ seed: number, ticket: number, version: number, text: string }} ctx
 * @returns {{ thumbs: number, implicit: number }} records sent
 */
export function giveFeedback(token, { seed, ticket, version, text }) {
  const rng = rngFor(seed, ticket, 3);
  const taste = version >= 2 ? TASTE.worse : TASTE.good;
  const sent = { thumbs: 0, implicit: 0 };
  try {
    if (rng() < THUMBS_SHARE) {
      const up = rng() < taste.up;
      const comment = up ? undefined : COMPLAINTS[Math.floor(rng() * COMPLAINTS.length)];
      // One id per completion and user: a user who changes their mind supersedes the earlier thumb.
      thumbs(token, up, { comment, id: `ticket-${ticket}:thumbs` });
      sent.thumbs++;
    }
    if (rng() < IMPLICIT_SHARE) {
      const signal = pick(rng(), taste.signals);
      if (signal === 'edited') {
        // v1's edits are touch-ups; v2's answers get rewritten more.
        const keep = version >= 2 ? 0.3 + rng() * 0.4 : 0.75 + rng() * 0.2;
        const edited = `${text.slice(0, Math.round(text.length * keep))} (edited by the agent)`;
        recordImplicit(token, 'edited', { original: text, edited, id: `ticket-${ticket}:outcome` });
      } else {
        recordImplicit(token, /** @type {any} */ (signal), { id: `ticket-${ticket}:outcome` });
      }
      sent.implicit++;
    }
  } catch (err) {
    console.log(`[app] ticket #${ticket}: feedback refused: ${err instanceof Error ? err.message : err}`);
  }
  return sent;
}

/**
 * @param {number} r uniform in [0, 1)
 * @param {[string, number][]} weights summing to 1
 */
function pick(r, weights) {
  let acc = 0;
  for (const [name, w] of weights) {
    acc += w;
    if (r < acc) return name;
  }
  return weights[weights.length - 1][0];
}
