import type { MessagePort } from 'node:worker_threads';
import type { ChannelItem } from '../../events.ts';
import type { ChannelWriter } from '../channel.ts';
import type { GateChannel } from '../local-input-gate.ts';
import { decodeItem, encodeItem } from './item-codec.ts';

/**
 * A channel between two threads over a MessagePort: the producer posts each item encoded (the
 * bytes transferred, not copied), the consumer queues what arrives and decodes an item only when
 * its task reads it. Backpressure is credit-based: the producer starts with `capacity` credits,
 * spends one per item, and the consumer returns credits as its task reads (in bulk, a quarter of
 * the capacity at a time); at zero the producer's task waits, as on a full local channel, until
 * that many come back. A held channel (alignment) is simply not read: its credits do not come back
 * and its producer stops.
 *
 * Why a quarter: a producer that waited for half the capacity to drain idled its thread whenever
 * the consumer, which reads this channel and others in turn, took longer to get there than the
 * producer's own thread took to run out of other work (measured on the CPU-heavy threads bench:
 * event loops idle about 5 % of the run; a quarter gained about 4 % throughput, 7 of 8 paired
 * runs). A credit message costs a few microseconds at each end: per item would cost more than it
 * saves.
 *
 * ```
 *   producer thread                                   consumer thread
 *   offer(item) ──encode──▶ port.postMessage(bytes) ──▶ queue ──poll()──decode──▶ task
 *        ▲ credits -1                                                │ every capacity/4 polls
 *        └──────────────────── { credits: n } ◀──────────────────────┘
 * ```
 */
export class PortChannelWriter implements ChannelWriter {
  #credits: number;
  readonly #lowWater: number;
  #writable: { promise: Promise<void>; resolve: () => void } | null = null;
  #closed = false;

  constructor(
    readonly port: MessagePort,
    readonly capacity: number,
  ) {
    this.#credits = capacity;
    this.#lowWater = creditBatch(capacity);
    port.on('message', (m: { credits: number }) => {
      this.#credits += m.credits;
      if (this.#writable !== null && this.#credits >= this.#lowWater) this.#wake();
    });
  }

  get isFull(): boolean {
    return this.#credits <= 0;
  }

  get fill(): number {
    return Math.min(1, Math.max(0, (this.capacity - this.#credits) / this.capacity));
  }

  offer(item: ChannelItem): boolean {
    const bytes = encodeItem(item);
    // msgpackr encodes into a buffer it reuses (and Node pools small Buffers): transfer a copy that
    // owns its memory, never the shared one (which would be detached under the encoder).
    const own = new Uint8Array(bytes.byteLength);
    own.set(bytes);
    this.port.postMessage(own, [own.buffer]);
    this.#credits--;
    return this.#credits > 0;
  }

  whenWritable(): Promise<void> {
    if (this.#credits > 0 || this.#closed) return Promise.resolve();
    if (this.#writable === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#writable = { promise, resolve };
    }
    return this.#writable.promise;
  }

  /** Wakes a waiting producer for good and stops listening (the attempt is ending). */
  close(): void {
    this.#closed = true;
    this.#wake();
    this.port.close();
  }

  #wake(): void {
    const w = this.#writable;
    this.#writable = null;
    w?.resolve();
  }
}

/** The consuming end of a {@link PortChannelWriter}: a queue of encoded items read by an input gate. */
export class PortChannelReader implements GateChannel {
  #queue: (Uint8Array | undefined)[] = [];
  #head = 0;
  #consumed = 0;
  readonly #creditBatch: number;
  onReadable: (() => void) | null = null;

  constructor(
    readonly port: MessagePort,
    readonly capacity: number,
  ) {
    this.#creditBatch = creditBatch(capacity);
    port.on('message', (bytes: Uint8Array) => {
      this.#queue.push(bytes);
      if (this.size === 1 && this.onReadable !== null) this.onReadable();
    });
  }

  get size(): number {
    return this.#queue.length - this.#head;
  }

  poll(): ChannelItem | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const bytes = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (++this.#consumed >= this.#creditBatch) {
      this.port.postMessage({ credits: this.#consumed });
      this.#consumed = 0;
    }
    return decodeItem(bytes);
  }

  close(): void {
    this.port.close();
  }
}

/** Credits returned together, and what a waiting producer waits for: a quarter of the capacity (see {@link PortChannelWriter}). */
function creditBatch(capacity: number): number {
  return Math.max(1, Math.floor(capacity / 4));
}
