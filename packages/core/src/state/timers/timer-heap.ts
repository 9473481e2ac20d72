import type { Key } from '../key.ts';

/** No slot: the end of a chain, or of the free list. */
const NONE = -1;

/**
 * The timers of one key group: a binary min-heap by timestamp, with at most one timer per
 * (key, timestamp) (Flink's HeapPriorityQueueSet). A timer lives in a slot; the heap orders slot
 * numbers, and every array is typed except the keys:
 *
 * ```
 *   slot:      0      1      2      3                 heap (positions → slots), by timestamp
 *   ts       [ 300 ][ 100 ][ 200 ][  -  ]                        1 (100)
 *   key      [ 'a' ][ 'b' ][ 'a' ][  -  ]                       /       \
 *   pos      [  2  ][  0  ][  1  ][ -1  ]   ← where in the heap   2 (200)  0 (300)
 *   next     [  2  ][ -1  ][ -1  ][ -1  ]   ← next slot of the same key (chain), or the free list
 *   prev     [ -1  ][ -1  ][  0  ][ -1  ]   ← previous slot of the same key
 *   byKey    { 'a' → 0, 'b' → 1 }            ← first slot of each key's chain
 * ```
 *
 * Adding checks the key's chain for the same timestamp (a key has few timers, so the chain is
 * short), then sifts up: O(log n), and no allocation once the arrays have grown. A new timer goes
 * second in its key's chain, so `byKey` changes only when a key gets its first timer or loses its
 * last. Removing a timer (the head, or any with a delete) unlinks it from its chain in O(1) and
 * takes it out of the heap with `pos` in O(log n). Nothing scans the heap.
 *
 * (Indexing timers by time instead, for O(1) deduplication, measured twice as slow: a map whose
 * keys come and go with every timer costs more than a short chain under a key that stays.)
 */
export class TimerHeap {
  #ts = new Float64Array(16);
  /** Grown by `push` only (slots are handed out in order): a packed array. */
  #keys: Key[] = [];
  #pos = new Int32Array(16).fill(NONE);
  #next = new Int32Array(16).fill(NONE);
  #prev = new Int32Array(16).fill(NONE);
  #heap = new Int32Array(16);
  #size = 0;
  /** Slots used so far (slots below it are in the heap or on the free list). */
  #used = 0;
  #free = NONE;
  readonly #byKey = new Map<Key, number>();

  get size(): number {
    return this.#size;
  }

  /** The earliest timestamp; `Infinity` when empty. */
  peekTimestamp(): number {
    return this.#size === 0 ? Infinity : this.#ts[this.#heap[0]];
  }

  /** The key of the earliest timer (only when not empty). */
  peekKey(): Key {
    return this.#keys[this.#heap[0]];
  }

  /** Adds timer (key, timestamp); false when it was already there. */
  add(key: Key, timestamp: number): boolean {
    const first = this.#byKey.get(key);
    for (let s = first ?? NONE; s !== NONE; s = this.#next[s]) if (this.#ts[s] === timestamp) return false;
    const slot = this.#allocate();
    this.#ts[slot] = timestamp;
    if (slot === this.#keys.length) this.#keys.push(key);
    else this.#keys[slot] = key;
    if (first === undefined) {
      this.#next[slot] = NONE;
      this.#prev[slot] = NONE;
      this.#byKey.set(key, slot);
    } else {
      const after = this.#next[first];
      this.#next[slot] = after;
      this.#prev[slot] = first;
      this.#next[first] = slot;
      if (after !== NONE) this.#prev[after] = slot;
    }
    const at = this.#size++;
    this.#heap[at] = slot;
    this.#pos[slot] = at;
    this.#siftUp(at);
    return true;
  }

  /** Removes timer (key, timestamp); false when there was none. */
  delete(key: Key, timestamp: number): boolean {
    for (let s = this.#byKey.get(key) ?? NONE; s !== NONE; s = this.#next[s]) {
      if (this.#ts[s] !== timestamp) continue;
      const at = this.#pos[s];
      this.#unlink(key, s);
      this.#removeAt(at);
      return true;
    }
    return false;
  }

  /** Whether timer (key, timestamp) is pending. */
  contains(key: Key, timestamp: number): boolean {
    for (let s = this.#byKey.get(key) ?? NONE; s !== NONE; s = this.#next[s]) if (this.#ts[s] === timestamp) return true;
    return false;
  }

  /** Removes the earliest timer (only when not empty). */
  poll(): void {
    const slot = this.#heap[0];
    this.#unlink(this.#keys[slot], slot);
    this.#removeAt(0);
  }

  /** The keys of every timer, in heap order (the same order as {@link timestamps}). */
  *keys(): IterableIterator<Key> {
    for (let i = 0; i < this.#size; i++) yield this.#keys[this.#heap[i]];
  }

  /** The timestamps of every timer, in heap order. */
  *timestamps(): IterableIterator<number> {
    for (let i = 0; i < this.#size; i++) yield this.#ts[this.#heap[i]];
  }

  clear(): void {
    this.#byKey.clear();
    this.#keys = [];
    this.#ts = new Float64Array(16);
    this.#pos = new Int32Array(16).fill(NONE);
    this.#next = new Int32Array(16).fill(NONE);
    this.#prev = new Int32Array(16).fill(NONE);
    this.#heap = new Int32Array(16);
    this.#size = 0;
    this.#used = 0;
    this.#free = NONE;
  }

  /** Takes `slot` out of its key's chain and puts it on the free list. */
  #unlink(key: Key, slot: number): void {
    const next = this.#next[slot];
    const prev = this.#prev[slot];
    if (next !== NONE) this.#prev[next] = prev;
    if (prev === NONE) {
      if (next === NONE) this.#byKey.delete(key);
      else this.#byKey.set(key, next);
    } else {
      this.#next[prev] = next;
    }
    this.#prev[slot] = NONE;
    this.#keys[slot] = 0; // let the key be collected
    this.#pos[slot] = NONE;
    this.#next[slot] = this.#free;
    this.#free = slot;
  }

  /** Takes heap position `at` out: the last element moves into the hole and sifts to its place. */
  #removeAt(at: number): void {
    const last = --this.#size;
    if (at === last) return;
    const moved = this.#heap[last];
    this.#heap[at] = moved;
    this.#pos[moved] = at;
    if (at > 0 && this.#ts[moved] < this.#ts[this.#heap[(at - 1) >> 1]]) this.#siftUp(at);
    else this.#siftDown(at);
  }

  #siftUp(at: number): void {
    const heap = this.#heap;
    const ts = this.#ts;
    const pos = this.#pos;
    const slot = heap[at];
    const t = ts[slot];
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const p = heap[parent];
      if (ts[p] <= t) break;
      heap[at] = p;
      pos[p] = at;
      at = parent;
    }
    heap[at] = slot;
    pos[slot] = at;
  }

  #siftDown(at: number): void {
    const heap = this.#heap;
    const ts = this.#ts;
    const pos = this.#pos;
    const n = this.#size;
    const slot = heap[at];
    const t = ts[slot];
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && ts[heap[child + 1]] < ts[heap[child]]) child++;
      const c = heap[child];
      if (ts[c] >= t) break;
      heap[at] = c;
      pos[c] = at;
      at = child;
    }
    heap[at] = slot;
    pos[slot] = at;
  }

  #allocate(): number {
    const free = this.#free;
    if (free !== NONE) {
      this.#free = this.#next[free];
      return free;
    }
    if (this.#used === this.#ts.length) this.#grow();
    return this.#used++;
  }

  #grow(): void {
    const n = this.#ts.length * 2;
    const ts = new Float64Array(n);
    ts.set(this.#ts);
    this.#ts = ts;
    const pos = new Int32Array(n).fill(NONE);
    pos.set(this.#pos);
    this.#pos = pos;
    const next = new Int32Array(n).fill(NONE);
    next.set(this.#next);
    this.#next = next;
    const prev = new Int32Array(n).fill(NONE);
    prev.set(this.#prev);
    this.#prev = prev;
    const heap = new Int32Array(n);
    heap.set(this.#heap);
    this.#heap = heap;
  }
}
