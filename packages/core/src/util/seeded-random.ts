/**
 * A seeded random source (mulberry32) for model-based and crash tests: a fixed seed gives a fixed
 * sequence, so a failure replays (the tests in test/ take it from here). `weir verify` has its
 * own copy: a published package reaches no other's internals.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
