import { describe, expect, it } from 'vitest';
import type { Key } from '../key.ts';
import { KeySlotIndex } from './key-slot-index.ts';
import { seededRandom } from '../../util/seeded-random.ts';

function expectSame(index: KeySlotIndex, reference: Map<Key, number>, probes: Iterable<Key>): void {
  for (const k of probes) expect(index.get(k), String(k)).toBe(reference.get(k) ?? -1);
}

describe('KeySlotIndex', () => {
  it('agrees with a Map over random sets, moves and deletes of int32 keys, through growth and backward shifts', () => {
    const next = seededRandom(20261202);
    const index = new KeySlotIndex();
    const reference = new Map<Key, number>();
    // Few distinct keys at first (collisions, deletes into full runs), then many (growth).
    const extremes = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 65_536, -65_536];
    for (let op = 0; op < 200_000; op++) {
      const spread = op < 50_000 ? 64 : 20_000;
      const key = next() < 0.01 ? extremes[Math.floor(next() * extremes.length)]! : Math.floor(next() * spread) - spread / 4;
      if (next() < 0.3) {
        index.delete(key);
        reference.delete(key);
      } else {
        const slot = Math.floor(next() * 1_000_000);
        index.set(key, slot);
        reference.set(key, slot);
      }
      if (op % 10_007 === 0) expectSame(index, reference, [...reference.keys(), ...extremes, 12_345_678]);
    }
    expectSame(index, reference, reference.keys());
    // Keys never set are absent, whatever their hash collides with.
    for (let k = 20_000; k < 21_000; k++) expect(index.get(k)).toBe(reference.get(k) ?? -1);
  });

  it('keeps its keys when told how many more come (reserve), before and after keys are in, and grows on past it', () => {
    const index = new KeySlotIndex();
    const reference = new Map<Key, number>();
    const add = (from: number, to: number) => {
      for (let k = from; k < to; k++) {
        index.set(k * 40_503, k);
        reference.set(k * 40_503, k);
      }
    };
    index.reserve(1_000);
    add(0, 1_000);
    index.reserve(5_000); // a rehash of what is in
    expectSame(index, reference, reference.keys());
    add(1_000, 9_000); // past the reservation: doubles as usual
    index.reserve(10); // smaller than it holds: no change
    expectSame(index, reference, [...reference.keys(), 12_345, -7]);
  });

  it('gives memory back when most keys are deleted, keeping the rest, and grows again', () => {
    const index = new KeySlotIndex();
    const reference = new Map<Key, number>();
    for (let k = 0; k < 100_000; k++) {
      index.set(k * 7, k);
      reference.set(k * 7, k);
    }
    const full = index.capacity;
    expect(full).toBeGreaterThanOrEqual(200_000);
    for (let k = 0; k < 100_000; k++) {
      if (k % 1000 === 0) continue;
      index.delete(k * 7);
      reference.delete(k * 7);
      if (k % 9973 === 0) expectSame(index, reference, [k * 7, (k + 1) * 7, 7_000]);
    }
    expect(index.capacity).toBeLessThan(full / 16);
    expectSame(index, reference, [...reference.keys(), 14, 21, -7]);
    for (let k = 0; k < 50_000; k++) {
      index.set(k * 11, k);
      reference.set(k * 11, k);
    }
    expectSame(index, reference, [...reference.keys(), 13]);
  });

  it('keeps every key when most of them are deleted and added again (no tombstones left behind)', () => {
    const index = new KeySlotIndex();
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 1000; k++) index.set(k * 7919, k + round);
      for (let k = 0; k < 1000; k++) if (k % 10 !== round % 10) index.delete(k * 7919);
      for (let k = 0; k < 1000; k++) expect(index.get(k * 7919)).toBe(k % 10 === round % 10 ? k + round : -1);
      for (let k = 0; k < 1000; k++) index.delete(k * 7919);
    }
    expect(index.get(0)).toBe(-1);
  });

  it('deletes across the end of the table: entries that wrapped around move back over it', () => {
    // Keys chosen by their hash: `Math.imul(key, φ) = h`, so a key's home entry is the top bits of
    // `h`. In the first table (16 entries), homes 15 (the last) and 0; probing wraps from 15 to 0.
    const inverse = inverseOf(0x9e3779b1);
    const withHash = (h: number) => Math.imul(h, inverse);
    const home0 = withHash(0x0000_0001);
    const last = [1, 2, 3, 4].map((j) => withHash(0xf000_0000 + j));
    for (const k of [home0, ...last]) expect(Math.imul(k, 0x9e3779b1) >>> 28).toBe(k === home0 ? 0 : 15);
    for (const order of [[home0, ...last], [...last, home0]]) {
      for (const gone of order) {
        const index = new KeySlotIndex();
        const reference = new Map<Key, number>();
        order.forEach((k, slot) => {
          index.set(k, slot);
          reference.set(k, slot);
        });
        index.delete(gone);
        reference.delete(gone);
        expectSame(index, reference, order);
        // And the entry freed at the end of a run takes a key again.
        index.set(gone, 99);
        reference.set(gone, 99);
        expectSame(index, reference, order);
      }
    }
  });

  it('treats -0 and 0 as one key, as a Map does', () => {
    const index = new KeySlotIndex();
    index.set(-0, 3);
    expect(index.get(0)).toBe(3);
    index.set(0, 4);
    expect(index.get(-0)).toBe(4);
    index.delete(-0);
    expect(index.get(0)).toBe(-1);
  });

  it.each<[string, Key]>([
    ['a string', 'user-1'],
    ['a bigint', 10n],
    ['a number beyond int32', 2 ** 31],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['a boolean', true],
  ])('moves to a Map at the first key that is %s, keeping the int keys it had', (_what, other) => {
    const index = new KeySlotIndex();
    const reference = new Map<Key, number>();
    for (let k = -50; k < 50; k++) {
      index.set(k, k + 100);
      reference.set(k, k + 100);
    }
    // Absent before it is added: a lookup of another type never matches an int entry.
    expect(index.get(other)).toBe(-1);
    index.set(other, 7);
    reference.set(other, 7);
    index.delete(3);
    reference.delete(3);
    index.set(1000, 8);
    reference.set(1000, 8);
    expectSame(index, reference, [...reference.keys(), 3, '3', 3n]);
  });
});

/** The inverse of odd `a` modulo 2^32 (Newton's iteration: each step doubles the correct low bits). */
function inverseOf(a: number): number {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x;
}
