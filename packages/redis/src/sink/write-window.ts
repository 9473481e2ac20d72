/**
 * Batches (at-least-once) or staging pushes (exactly-once) a writer keeps in flight at most.
 * Redis runs one command at a time: one batch executing, one in its socket buffer and two on
 * their way keep it busy across round trips. Measured on the 2-core machine (list sink, batches of
 * 1,000, the task checking every 512 records): 2 in flight 2.3-2.7 M records/s, 4 2.8-2.9 M, 8 or 16
 * or unbounded the same as 4; the stream sink is Redis-bound at ~0.6 M/s from 2 on. More would only
 * hold records in this process's memory while Redis is slow or paused.
 */
export const MAX_WRITES_IN_FLIGHT = 4;

/** How long `close()` waits for writes in flight before it closes the connection anyway. */
export const CLOSE_WAIT_MS = 1_000;

/**
 * The writes a sink writer has sent to Redis and not yet seen acknowledged, bounded: at most
 * `limit` are in flight, the rest wait (already encoded) in a short queue, and the writer reports
 * `isFull` to its task, which stops feeding it until {@link WriteWindow.whenWritable} resolves
 * (the backpressure of a full channel). Without the bound a paused or slow Redis let a writer
 * queue every record of the job in memory, in ioredis's buffers.
 *
 * Writes are numbered and sent in order on one connection (pipelined); a checkpoint waits for
 * "every write up to number n has settled". After a failure nothing more is sent: a stage must
 * not get a later chunk without an earlier one. Per batch or chunk, never per record: the record
 * path allocates no promise.
 */
export class WriteWindow {
  readonly #queued: { readonly n: number; readonly send: () => Promise<unknown> }[] = [];
  #queuedHead = 0;
  /** Numbers of the writes in flight (at most `limit`). */
  readonly #flying: number[] = [];
  /** Writes handed to {@link push} so far; a write's number is its position in this count. */
  #pushed = 0;
  #failure: unknown;
  #closed = false;
  #writable: Deferred | undefined;
  readonly #done: { upTo: number; deferred: Deferred }[] = [];
  #idle: Deferred | undefined;
  /** The first write dropped unsent (by a failure or a close); Infinity when none was. */
  #droppedFrom = Infinity;

  /**
   * @param limit writes in flight at most
   * @param describe turns the first failed write's error into the writer's failure
   * @param onSettled called after each write settles (the writer may send a partial batch then)
   */
  constructor(
    readonly limit: number,
    readonly describe: (err: unknown) => Error,
    readonly onSettled: () => void = () => {},
  ) {}

  /** Writes sent and not yet acknowledged. */
  get inFlight(): number {
    return this.#flying.length;
  }

  /** Encoded writes waiting for a free slot. */
  get queued(): number {
    return this.#queued.length - this.#queuedHead;
  }

  /** Whether the writer has as much in flight as it allows (see the class comment). */
  get isFull(): boolean {
    return this.#flying.length >= this.limit && this.#failure === undefined && !this.#closed;
  }

  /** The first failure (already described), once a write has failed. */
  get failure(): unknown {
    return this.#failure;
  }

  /** The number of the latest write pushed: {@link whenDone} of it waits for everything so far. */
  get lastPushed(): number {
    return this.#pushed;
  }

  /** Queues a write (sent at once when a slot is free); returns its number. */
  push(send: () => Promise<unknown>): number {
    const n = ++this.#pushed;
    if (this.#failure === undefined && !this.#closed) {
      this.#queued.push({ n, send });
      this.#pump();
    } else if (n < this.#droppedFrom) {
      this.#droppedFrom = n;
    }
    return n;
  }

  /** Resolves once writes up to number `upTo` have settled, or when the window failed or closed. */
  whenDone(upTo: number): Promise<void> {
    if (this.#settledUpTo() >= upTo || this.#failure !== undefined || this.#closed) return Promise.resolve();
    const deferred = newDeferred();
    this.#done.push({ upTo, deferred });
    return deferred.promise;
  }

  /**
   * Waits until every write up to number `upTo` has been acknowledged by Redis; rejects with the
   * failure if one failed, and rejects too if the window was closed first (writes still queued
   * were dropped, so "settled" would not mean "written"): what a checkpoint must wait for before
   * it may count on the writes.
   */
  async acknowledged(upTo: number): Promise<void> {
    await this.whenDone(upTo);
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#settledUpTo() < upTo) throw new Error('the writer was closed before Redis acknowledged its writes');
  }

  /** Resolves once a slot is free, or when the window failed or closed. */
  whenWritable(): Promise<void> {
    if (!this.isFull) return Promise.resolve();
    this.#writable ??= newDeferred();
    return this.#writable.promise;
  }

  /** Resolves once nothing is in flight (after a failure or {@link close}, once the last write sent settles). */
  whenIdle(): Promise<void> {
    if (this.#flying.length === 0 && (this.queued === 0 || this.#failure !== undefined || this.#closed)) return Promise.resolve();
    this.#idle ??= newDeferred();
    return this.#idle.promise;
  }

  /** Drops what is queued and wakes every waiter: the writer is closing. Writes in flight go on. */
  close(): void {
    this.#closed = true;
    this.#dropQueued();
    this.#wake();
  }

  #pump(): void {
    while (this.#flying.length < this.limit && this.queued > 0 && this.#failure === undefined && !this.#closed) {
      const { n, send } = this.#queued[this.#queuedHead];
      this.#queued[this.#queuedHead++] = undefined!;
      if (this.#queuedHead === this.#queued.length) {
        this.#queued.length = 0;
        this.#queuedHead = 0;
      } else if (this.#queuedHead >= 64 && this.#queuedHead * 2 >= this.#queued.length) {
        // Never drained to empty (a producer that ignores isFull): drop the consumed head now and then.
        this.#queued.splice(0, this.#queuedHead);
        this.#queuedHead = 0;
      }
      this.#flying.push(n);
      send().then(
        () => this.#settle(n),
        (err: unknown) => {
          this.#failure ??= this.describe(err);
          this.#dropQueued();
          this.#settle(n);
        },
      );
    }
  }

  /** Every write up to this number has settled (writes usually settle in order, but need not). */
  #settledUpTo(): number {
    let lowest = this.queued > 0 ? this.#queued[this.#queuedHead].n : this.#pushed + 1;
    for (const n of this.#flying) if (n < lowest) lowest = n;
    if (this.#droppedFrom < lowest) lowest = this.#droppedFrom;
    return lowest - 1;
  }

  #settle(n: number): void {
    this.#flying.splice(this.#flying.indexOf(n), 1);
    this.#pump();
    this.#wake();
    this.onSettled();
  }

  #wake(): void {
    if (this.#writable !== undefined && !this.isFull) {
      const w = this.#writable;
      this.#writable = undefined;
      w.resolve();
    }
    if (this.#idle !== undefined && this.#flying.length === 0 && this.queued === 0) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle.resolve();
    }
    if (this.#done.length === 0) return;
    const stopped = this.#failure !== undefined || this.#closed;
    const settledUpTo = this.#settledUpTo();
    for (let i = this.#done.length - 1; i >= 0; i--) {
      const waiter = this.#done[i];
      if (stopped || settledUpTo >= waiter.upTo) {
        this.#done.splice(i, 1);
        waiter.deferred.resolve();
      }
    }
  }

  /** Forgets queued writes that will never be sent (waiters resolve on the failure or close). */
  #dropQueued(): void {
    const dropped = this.queued;
    this.#queued.length = 0;
    this.#queuedHead = 0;
    // Dropped writes never settle: keep them out of `#settledUpTo`, which would count them done.
    if (dropped > 0) this.#droppedFrom = Math.min(this.#droppedFrom, this.#pushed - dropped + 1);
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function newDeferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The message of an error, or the value as a string. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits for `promise`, or `ms` at most (the timer does not keep the process alive). */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
