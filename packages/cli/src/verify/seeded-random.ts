/**
 * A seeded random source (mulberry32): `weir verify` draws its kill points from it, so the seed it
 * prints repeats the same kinds of kills at the same relative moments (the job's own timing still
 * varies from run to run).
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

/** A fresh seed: 31 bits, short enough to type. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
