import type { ChannelItem } from '../events.ts';
import type { ChannelWriter } from './channel.ts';

/**
 * A bounded FIFO of batches and events between two tasks on the same event loop.
 *
 * A ring buffer (no `Array.shift()`): `head` is the next item to read, `size` items follow it,
 * wrapping around. It grows (doubling) only when a producer offers past capacity, which the
 * backpressure protocol keeps to one step's output.
 *
 * ```
 *   capacity 8, head 6, size 4
 *   [ c  d  .  .  .  .  a  b ]
 *           ^tail       ^head
 * ```
 */
export class LocalChannel implements ChannelWriter {
  #ring: (ChannelItem | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;
  readonly #capacity: number;
  readonly #lowWater: number;
  #writable: { promise: Promise<void>; resolve: () => void } | null = null;
  /** Set by the input gate: called when an item arrives on an empty channel. */
  onReadable: (() => void) | null = null;
  #closed = false;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
    this.#lowWater = Math.floor(this.#capacity / 2);
    let n = 2;
    while (n < this.#capacity) n <<= 1;
    this.#ring = new Array(n);
    this.#mask = n - 1;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get fill(): number {
    return Math.min(1, this.#size / this.#capacity);
  }

  get size(): number {
    return this.#size;
  }

  get isFull(): boolean {
    return this.#size >= this.#capacity;
  }

  offer(item: ChannelItem): boolean {
    if (this.#size === this.#ring.length) this.#grow();
    this.#ring[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
    if (this.#size === 1 && this.onReadable !== null) this.onReadable();
    return this.#size < this.#capacity;
  }

  /** Takes the oldest item; `undefined` when empty. */
  poll(): ChannelItem | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    if (this.#writable !== null && this.#size <= this.#lowWater) this.#wake();
    return item;
  }

  whenWritable(): Promise<void> {
    if (this.#size < this.#capacity || this.#closed) return Promise.resolve();
    if (this.#writable === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#writable = { promise, resolve };
    }
    return this.#writable.promise;
  }

  /** Wakes a waiting producer for good (the job is being cancelled). */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#writable;
    this.#writable = null;
    w?.resolve();
  }

  #grow(): void {
    const old = this.#ring;
    const next = new Array<ChannelItem | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#ring = next;
    this.#mask = next.length - 1;
    this.#head = 0;
  }
}
