/**
 * `java.util.Random`, bit for bit: the generator Beam's Nexmark seeds with each event id, so that
 * the same id always yields the same person, auction or bid. A 48-bit linear congruential
 * generator (Knuth, TAOCP vol. 2, 3.2.1):
 *
 *   seed ← (seed · 0x5DEECE66D + 0xB) mod 2⁴⁸,   next(bits) = seed >>> (48 − bits)
 *
 * JavaScript numbers hold 53 bits exactly, so the seed is kept as two 24-bit halves and each
 * product stays below 2⁵³:
 *
 *   seed = hi·2²⁴ + lo,  M = mHi·2²⁴ + mLo
 *   seed·M mod 2⁴⁸ = lo·mLo + 2²⁴·(hi·mLo + lo·mHi)   (the hi·mHi·2⁴⁸ term vanishes)
 *
 * One instance is reseeded per event (`setSeed`), never allocated per event.
 */
const TWO_24 = 0x1000000;
const M_HI = 0x5de;
const M_LO = 0xece66d;
const TWO_POW_MINUS_53 = 2 ** -53;

export class JavaRandom {
  #hi = 0;
  #lo = 0;

  constructor(seed = 0) {
    this.setSeed(seed);
  }

  /** `new Random(seed)`: `seed` a safe integer (event ids are), negative ones included. */
  setSeed(seed: number): void {
    // The low 48 bits of the two's-complement seed, then scrambled with the multiplier.
    const low48 = seed >= 0 ? seed % 2 ** 48 : 2 ** 48 + (seed % 2 ** 48);
    const hi = Math.floor(low48 / TWO_24);
    this.#hi = (hi ^ M_HI) & 0xffffff;
    this.#lo = ((low48 - hi * TWO_24) ^ M_LO) & 0xffffff;
  }

  /** Advances the seed by one step of the congruence. */
  #step(): void {
    const p = this.#lo * M_LO + 0xb;
    const carry = Math.floor(p / TWO_24);
    const q = this.#hi * M_LO + this.#lo * M_HI + carry;
    this.#lo = p - carry * TWO_24;
    this.#hi = q - Math.floor(q / TWO_24) * TWO_24;
  }

  /** `next(31)`: 0 ≤ n < 2³¹. */
  #next31(): number {
    this.#step();
    return this.#hi * 128 + (this.#lo >>> 17);
  }

  /** `nextInt()`: a signed 32-bit integer. */
  nextInt(): number {
    this.#step();
    return (this.#hi * 256 + (this.#lo >>> 16)) | 0;
  }

  /** `nextInt(bound)`: 0 ≤ n < bound, uniform (Java's rejection of the last partial range included). */
  nextIntBelow(bound: number): number {
    if ((bound & -bound) === bound) return this.#next31() >>> Math.clz32(bound);
    let bits: number;
    let value: number;
    do {
      bits = this.#next31();
      value = bits % bound;
    } while (bits - value + (bound - 1) > 0x7fffffff);
    return value;
  }

  /** `nextDouble()`: 0 ≤ x < 1 with 53 random bits. */
  nextDouble(): number {
    this.#step();
    const high26 = this.#hi * 4 + (this.#lo >>> 22);
    this.#step();
    const low27 = this.#hi * 8 + (this.#lo >>> 21);
    return (high26 * 2 ** 27 + low27) * TWO_POW_MINUS_53;
  }

  /** `nextLong()` as a bigint (rare: only for bounds past 2³¹ − 1). */
  nextLong(): bigint {
    const high = BigInt(this.nextInt());
    const low = BigInt(this.nextInt());
    return BigInt.asIntN(64, (high << 32n) + low);
  }
}
