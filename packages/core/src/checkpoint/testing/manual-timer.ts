import type { Clock, Timer } from '../coordinator.ts';

/**
 * A clock and one-shot timers that move only when a test says so (Flink's
 * `ManuallyTriggeredScheduledExecutor`). `advance(ms)` fires every timer that falls due, in due-time
 * order (ties in scheduling order), with the clock set to each timer's due time, and lets pending
 * promise callbacks run after each one; timers scheduled meanwhile fire too if they fall due.
 */
export class ManualTimer implements Clock, Timer {
  #now: number;
  #nextHandle = 1;
  readonly #timers = new Map<number, { readonly due: number; readonly fn: () => void }>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { due: this.#now + Math.max(0, ms), fn });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Timers scheduled and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Ms until the next timer falls due; undefined when none is scheduled. */
  nextDueIn(): number | undefined {
    const next = this.#next();
    return next === undefined ? undefined : next[1].due - this.#now;
  }

  /** Moves time forward by `ms`, firing due timers and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await flushPromises();
    for (let next = this.#next(); next !== undefined && next[1].due <= end; next = this.#next()) {
      const [handle, timer] = next;
      this.#timers.delete(handle);
      this.#now = timer.due;
      timer.fn();
      await flushPromises();
    }
    this.#now = end;
  }

  #next(): [number, { readonly due: number; readonly fn: () => void }] | undefined {
    let best: [number, { readonly due: number; readonly fn: () => void }] | undefined;
    for (const entry of this.#timers) if (best === undefined || entry[1].due < best[1].due) best = entry;
    return best;
  }
}

/** Lets every callback of already settled promises run (one macrotask turn; never waits on time). */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
