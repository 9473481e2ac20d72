import type { Key } from '../key.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { StateEntries } from '../state-backend.ts';
import type { KeyGroupStateSource } from '../snapshot/snapshot-codec.ts';
import { TimerHeap } from './timer-heap.ts';

/** Names of timer queues in key group snapshots start with this (no user state name should). */
export const TIMER_STATE_PREFIX = '__timers/';

/**
 * The pending timers of one time domain of a keyed operator subtask (Flink's
 * KeyGroupPartitionedPriorityQueue): one {@link TimerHeap} per key group of the subtask's range,
 * and on top a small heap of the key groups ordered by their earliest timer, so the earliest timer
 * of the subtask is found in O(1) and taken in O(log n + log groups), whatever the number pending.
 *
 * ```
 *   groups heap (by each group's earliest)      per key group heaps
 *             g2 (100)                          g0: 300, 420, …
 *            /        \                         g1: 250, …
 *       g1 (250)     g0 (300)                   g2: 100, 180, …
 * ```
 *
 * Timers are keyed state: each key group's heap is snapshotted and restored with the group, so
 * rescaling moves a timer with its key. Within one key group every (key, timestamp) is one timer.
 * Callers index key groups relative to the range (`keyGroup - range.start`), as state tables do.
 */
export class KeyGroupedTimerQueue {
  readonly #groups: TimerHeap[];
  /** Each group's earliest timestamp (Infinity: none), kept in step with the groups. */
  readonly #heads: Float64Array;
  /** Heap of group indexes by `#heads[g]`. */
  readonly #top: Int32Array;
  /** Position of each group in `#top`. */
  readonly #topPos: Int32Array;
  #size = 0;

  constructor(
    /** Its name in snapshots (starts with {@link TIMER_STATE_PREFIX}). */
    readonly name: string,
    readonly range: KeyGroupRange,
  ) {
    const n = range.size;
    this.#groups = Array.from({ length: n }, () => new TimerHeap());
    this.#heads = new Float64Array(n).fill(Infinity);
    this.#top = new Int32Array(n);
    this.#topPos = new Int32Array(n);
    for (let g = 0; g < n; g++) {
      this.#top[g] = g;
      this.#topPos[g] = g;
    }
  }

  /** Timers pending, over every key group. */
  get size(): number {
    return this.#size;
  }

  /** The earliest timestamp pending; `Infinity` when none. */
  peekTimestamp(): number {
    return this.#groups.length === 0 ? Infinity : this.#heads[this.#top[0]];
  }

  /** The key group index (relative to the range) of the earliest timer. */
  peekGroup(): number {
    return this.#top[0];
  }

  /** The key of the earliest timer. */
  peekKey(): Key {
    return this.#groups[this.#top[0]].peekKey();
  }

  /** Removes the earliest timer. */
  poll(): void {
    const g = this.#top[0];
    const heap = this.#groups[g];
    heap.poll();
    this.#size--;
    this.#heads[g] = heap.peekTimestamp();
    this.#siftDown(0);
  }

  /** Adds timer (key, timestamp) to group `index`; false when it was already pending. */
  add(index: number, key: Key, timestamp: number): boolean {
    const heap = this.#groups[index];
    if (!heap.add(key, timestamp)) return false;
    this.#size++;
    if (timestamp < this.#heads[index]) {
      this.#heads[index] = timestamp;
      this.#siftUp(this.#topPos[index]);
    }
    return true;
  }

  /** Removes timer (key, timestamp) from group `index`; false when there was none. */
  delete(index: number, key: Key, timestamp: number): boolean {
    const heap = this.#groups[index];
    if (!heap.delete(key, timestamp)) return false;
    this.#size--;
    const head = heap.peekTimestamp();
    if (head !== this.#heads[index]) {
      this.#heads[index] = head;
      this.#siftDown(this.#topPos[index]);
    }
    return true;
  }

  contains(index: number, key: Key, timestamp: number): boolean {
    return this.#groups[index].contains(key, timestamp);
  }

  /** One key group's timers as the snapshot encoder reads them: keys and timestamps, in the same order. */
  keyGroupSource(keyGroup: number): KeyGroupStateSource {
    const heap = this.#groups[keyGroup - this.range.start];
    return { name: this.name, size: heap.size, keys: () => heap.keys(), values: () => heap.timestamps() };
  }

  /** Loads one key group's timers from a snapshot (of this or another parallelism). */
  restoreKeyGroup(keyGroup: number, entries: StateEntries): void {
    const index = keyGroup - this.range.start;
    const { keys, values } = entries;
    for (let i = 0; i < keys.length; i++) this.add(index, keys[i], values[i] as number);
  }

  clear(): void {
    for (const g of this.#groups) g.clear();
    this.#heads.fill(Infinity);
    this.#size = 0;
  }

  #siftUp(at: number): void {
    const top = this.#top;
    const pos = this.#topPos;
    const heads = this.#heads;
    const g = top[at];
    const t = heads[g];
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const p = top[parent];
      if (heads[p] <= t) break;
      top[at] = p;
      pos[p] = at;
      at = parent;
    }
    top[at] = g;
    pos[g] = at;
  }

  #siftDown(at: number): void {
    const top = this.#top;
    const pos = this.#topPos;
    const heads = this.#heads;
    const n = top.length;
    const g = top[at];
    const t = heads[g];
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && heads[top[child + 1]] < heads[top[child]]) child++;
      const c = top[child];
      if (heads[c] >= t) break;
      top[at] = c;
      pos[c] = at;
      at = child;
    }
    top[at] = g;
    pos[g] = at;
  }
}
