/**
 * What the event-time queries share: the window sizes of the Flink suite, the source with its
 * watermark strategy, and for the hand-written loops the same watermark and a small heap.
 */
import { watermarks, type AggregateFunction, type DataStream, type Source, type StreamEnvironment } from '@weir/core';
import { maxOutOfOrdernessMs, type NexmarkConfig } from '../config.ts';
import { eventTime, isBid, type Bid, type NexmarkEvent } from '../model.ts';

/** Tumbling windows (q7, q8, q12) and the size of q5's sliding windows: 10 s, as the Flink suite. */
export const WINDOW_MS = 10_000;
/** How often q5's sliding windows start: every 2 s, as the Flink suite. */
export const SLIDE_MS = 2_000;
/** q11's session gap: 10 s, as the Flink suite. */
export const SESSION_GAP_MS = 10_000;

/**
 * The Nexmark source with event time: each event's `dateTime`, and watermarks that trail the
 * largest time seen by the generator's out-of-order bound, so that no event is ever late.
 */
export function nexmarkWithEventTime(env: StreamEnvironment, source: Source<NexmarkEvent>, config: NexmarkConfig): DataStream<NexmarkEvent> {
  return env.fromSource(source, watermarks.boundedOutOfOrderness<NexmarkEvent>(eventTime, maxOutOfOrdernessMs(config)), 'Nexmark');
}

/**
 * The watermark a loop goes by: the one the job's source emits (the largest event time seen, less
 * the out-of-order bound, less 1 ms), but after every event rather than every 200 ms. What fires
 * then is what the job fires, only sooner; nothing is late in either.
 */
export class LoopWatermark {
  readonly #bound: number;
  #max = -Infinity;

  constructor(config: NexmarkConfig) {
    this.#bound = maxOutOfOrdernessMs(config) + 1;
  }

  /** Sees an event's time; returns the watermark after it. */
  advance(timestamp: number): number {
    if (timestamp > this.#max) this.#max = timestamp;
    return this.#max - this.#bound;
  }
}

/** A binary min-heap under `before` (a strict order). */
export class MinHeap<T> {
  readonly #items: T[] = [];

  constructor(readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const a = this.#items;
    let i = a.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, a[parent])) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && this.before(a[r], a[l]) ? r : l;
      if (!this.before(a[c], last)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * A loop's open windows of one size, by end: `acc(end)` gives the window's contents (made with
 * `create` the first time), and `fire(watermark, f)` hands every window whose last millisecond the
 * watermark has reached to `f`, earliest first, and forgets it. Few windows are open at once (one
 * or two when tumbling, `size / slide` and a few when sliding), so they are kept in a map with the
 * earliest end known.
 */
export class LoopWindows<A> {
  readonly #open = new Map<number, A>();
  #earliest = Infinity;

  constructor(readonly create: () => A) {}

  acc(end: number): A {
    let a = this.#open.get(end);
    if (a === undefined) {
      a = this.create();
      this.#open.set(end, a);
      if (end < this.#earliest) this.#earliest = end;
    }
    return a;
  }

  /** Fires the windows with `end - 1 ≤ watermark` (all of them for `Infinity`). */
  fire(watermark: number, f: (end: number, acc: A) => void): void {
    if (this.#earliest - 1 > watermark) return;
    const due = [...this.#open.keys()].filter((end) => end - 1 <= watermark).sort((a, b) => a - b);
    for (const end of due) {
      const a = this.#open.get(end)!;
      this.#open.delete(end);
      f(end, a);
    }
    this.#earliest = Infinity;
    for (const end of this.#open.keys()) if (end < this.#earliest) this.#earliest = end;
  }
}

/** Counts a window's records (sessions merge by adding). */
export const COUNT: AggregateFunction<unknown, number, number> = {
  create: () => 0,
  add: (n) => n + 1,
  result: (n) => n,
  merge: (a, b) => a + b,
};

/** The bids of the stream, typed as such (the filter is the type guard `isBid`). */
export const bidsOf = (events: DataStream<NexmarkEvent>): DataStream<Bid> => events.filter(isBid).name('bids') as DataStream<Bid>;
