import type { Redis } from 'ioredis';
import type { SinkWriter } from '@weir/core';
import type { ResolvedConnection } from '../connection.ts';
import { appendBatch } from '../lua/append.ts';
import type { SinkTarget, TargetBuffer } from './target.ts';
import { CLOSE_WAIT_MS, MAX_WRITES_IN_FLIGHT, WriteWindow, messageOf, waitAtMost } from './write-window.ts';

/** Records per pipelined batch when a sink has no `batchSize`. */
export const DEFAULT_BATCH_SIZE = 1000;

/**
 * The at-least-once writer of every Redis sink: records are buffered and written in batches, one
 * `append-1.lua` call each, when the buffer holds `batchSize` entries, when the task goes idle
 * (`setImmediate`), at each checkpoint (`completeSnapshot` waits until everything written before
 * the barrier is acknowledged by Redis, so a complete checkpoint covers its output) and at the end
 * of input.
 *
 * Batches are pipelined, at most {@link MAX_WRITES_IN_FLIGHT} at a time: beyond that `isFull` is
 * true and the task waits on `whenWritable` (backpressure), so a slow or paused Redis slows the
 * job down instead of filling memory.
 *
 * After a restore, records since the checkpoint are written again: consumers see duplicates,
 * never gaps. A failed write fails the task at its next `write`, checkpoint or flush, and the job
 * restarts per its restart strategy.
 */
export class BufferedRedisWriter<T> implements SinkWriter<T> {
  readonly #buffer: TargetBuffer<T>;
  readonly #client: Redis;
  readonly #window: WriteWindow;
  #idleFlush: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(
    readonly connection: ResolvedConnection,
    readonly target: SinkTarget<T>,
    readonly batchSize: number,
    maxInFlight = MAX_WRITES_IN_FLIGHT,
  ) {
    this.#client = connection.client;
    this.#buffer = target.newBuffer();
    this.#window = new WriteWindow(
      maxInFlight,
      (err) => new Error(`writing to Redis ${target.kind} ${target.key} failed: ${messageOf(err)}`, { cause: err }),
      () => this.#afterSettled(),
    );
  }

  get isFull(): boolean {
    return this.#window.isFull;
  }

  whenWritable(): Promise<void> {
    return this.#window.whenWritable();
  }

  /** Batches sent and not yet acknowledged by Redis (never above the cap): for tests and metrics. */
  get batchesInFlight(): number {
    return this.#window.inFlight;
  }

  /** Batches encoded and waiting for a free slot: for tests and metrics. */
  get batchesQueued(): number {
    return this.#window.queued;
  }

  write(value: T): void {
    const failure = this.#window.failure;
    if (failure !== undefined) throw failure;
    this.#buffer.add(value);
    if (this.#buffer.size >= this.batchSize) this.#cut(false);
    else this.#idleFlush ??= setImmediate(this.#onIdle);
  }

  async completeSnapshot(): Promise<void> {
    await this.#drain();
  }

  async flush(): Promise<void> {
    await this.#drain();
  }

  /** Waits (bounded) for the batches in flight, then closes the connection if Weir built it. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelIdleFlush();
    this.#window.close();
    await waitAtMost(this.#window.whenIdle(), CLOSE_WAIT_MS);
    await this.connection.close();
  }

  /** Sends what is buffered, then waits until every batch sent so far is acknowledged. */
  async #drain(): Promise<void> {
    this.#cancelIdleFlush();
    this.#cut(true);
    await this.#window.acknowledged(this.#window.lastPushed);
  }

  /** Encodes buffered entries into batches of `batchSize` (and the rest too when `all`) and queues them. */
  #cut(all: boolean): void {
    while (this.#buffer.size >= this.batchSize || (all && this.#buffer.size > 0)) {
      const batch = this.#buffer.takeChunk(this.batchSize)!;
      this.#window.push(() => appendBatch(this.#client, this.target.key, this.target.kind, this.target.maxLen, batch));
    }
  }

  /**
   * The task went idle: send a partial batch, unless the window is full (a batch finishing then
   * sends it, with what the task wrote meanwhile: full batches under load, prompt ones when idle).
   */
  readonly #onIdle = (): void => {
    this.#idleFlush = undefined;
    if (!this.#window.isFull) this.#cut(true);
  };

  #afterSettled(): void {
    if (this.#closed || this.#buffer.size === 0 || this.#window.isFull || this.#window.failure !== undefined) return;
    this.#idleFlush ??= setImmediate(this.#onIdle);
  }

  #cancelIdleFlush(): void {
    if (this.#idleFlush !== undefined) {
      clearImmediate(this.#idleFlush);
      this.#idleFlush = undefined;
    }
  }
}
