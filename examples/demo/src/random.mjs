/**
 * Small seeded pseudo-random helpers, so two demo runs with the same seed make the same calls and
 * meet the same faults.
 */

/**
 * mulberry32: a tiny, fast 32-bit PRNG.
 * @param {number} seed
 * @returns {() => number} uniform numbers in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A generator for one item (a call, a ticket) of a seeded run: independent of the order in which
 * items are processed, so concurrency does not change the outcome.
 * @param {number} seed
 * @param {number} item
 * @param {number} [stream] separates the app's choices from the provider's
 */
export function rngFor(seed, item, stream = 0) {
  return mulberry32(
    (Math.imul(seed, 0x9e3779b1) ^ Math.imul(item + 1, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35)) >>> 0,
  );
}

/**
 * An integer in [min, max].
 * @param {() => number} rng
 * @param {number} min
 * @param {number} max
 */
export function between(rng, min, max) {
  return min + Math.floor(rng() * (max - min + 1));
}
