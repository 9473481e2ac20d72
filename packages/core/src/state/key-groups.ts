import { hashKey, murmurMix, type Key } from './key.ts';
import { KeyGroupRange } from './key-group-range.ts';

/**
 * Key-group arithmetic (Flink's KeyGroupRangeAssignment). Every key belongs to exactly one key
 * group, `0 ≤ keyGroup < maxParallelism`; each subtask of a keyed operator owns one contiguous
 * range of key groups. State is stored and snapshotted per key group, so a job can be restored
 * with another parallelism (up to `maxParallelism`) by handing whole key groups to new owners.
 */

/** Upper bound for `maxParallelism` (Flink's): key groups are small integers. */
export const UPPER_BOUND_MAX_PARALLELISM = 1 << 15;
export const DEFAULT_MAX_PARALLELISM = 128;

/**
 * The key group of `key`: `0 ≤ result < maxParallelism`, the unsigned 32-bit mixed hash modulo
 * `maxParallelism`. It runs once per record on every keyBy, so it stays in 32-bit integers: the
 * unsigned hash is above 2^31 half the time, and `%` on it would be a floating-point modulo (about
 * 10 ns, most of a keyBy's routing). A power of two masks the low bits; any other maximum takes the
 * high and low 16 bits apart (every product stays below 2^31). Same result either way: checkpoints
 * written with `murmurMix(hash) % maxParallelism` find their key groups again.
 */
export function assignToKeyGroup(key: Key, maxParallelism: number): number {
  const h = murmurMix(hashKey(key)) | 0;
  if ((maxParallelism & (maxParallelism - 1)) === 0) return h & (maxParallelism - 1);
  return (((h >>> 16) % maxParallelism) * (65536 % maxParallelism) + (h & 0xffff)) % maxParallelism;
}

/** The subtask that owns `keyGroup`: `0 ≤ result < parallelism`. */
export function operatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The key groups that subtask `operatorIndex` of `parallelism` owns; the ranges of all subtasks partition `0..maxParallelism-1`. */
export function keyGroupRangeForOperatorIndex(
  maxParallelism: number,
  parallelism: number,
  operatorIndex: number,
): KeyGroupRange {
  const start = Math.floor((operatorIndex * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((operatorIndex + 1) * maxParallelism - 1) / parallelism);
  return new KeyGroupRange(start, end);
}

/**
 * Lookup table `keyGroup → subtask index`, built once per output so that routing a record costs
 * one hash and one array read.
 */
export function keyGroupToOperatorTable(maxParallelism: number, parallelism: number): Int32Array {
  const table = new Int32Array(maxParallelism);
  for (let kg = 0; kg < maxParallelism; kg++) table[kg] = operatorIndexForKeyGroup(maxParallelism, parallelism, kg);
  return table;
}
