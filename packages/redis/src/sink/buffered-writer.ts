import type { Redis } from 'ioredis';
import type { SinkWriter } from '@weir/core';
import type { ResolvedConnection } from '../connection.ts';
import { appendBatch } from '../lua/append.ts';
import type { SinkTarget, TargetBuffer } from './target.ts';

/** Records per pipelined batch when a sink has no `batchSize`. */
export const DEFAULT_BATCH_SIZE = 1000;

/**
 * The at-least-once writer of every Redis sink: records are buffered and written in batches, one
 * `append-1.lua` call each (pipelined: batches do not wait for each other), when the buffer holds `batchSize` entries, when the task goes idle (`setImmediate`),
 * at each checkpoint (`completeSnapshot` waits until everything written before the barrier is
 * acknowledged by Redis, so a complete checkpoint covers its output) and at the end of input.
 *
 * After a restore, records since the checkpoint are written again: consumers see duplicates,
 * never gaps. A failed write fails the task at its next `write`, checkpoint or flush, and the job
 * restarts per its restart strategy.
 */
export class BufferedRedisWriter<T> implements SinkWriter<T> {
  readonly #buffer: TargetBuffer<T>;
  readonly #client: Redis;
  #inFlight = new Set<Promise<void>>();
  #idleFlush: NodeJS.Immediate | undefined;
  #failure: unknown;

  constructor(
    readonly connection: ResolvedConnection,
    readonly target: SinkTarget<T>,
    readonly batchSize: number,
  ) {
    this.#client = connection.client;
    this.#buffer = target.newBuffer();
  }

  write(value: T): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#buffer.add(value);
    if (this.#buffer.size >= this.batchSize) this.#send();
    else this.#idleFlush ??= setImmediate(() => {
      this.#idleFlush = undefined;
      this.#send();
    });
  }

  async completeSnapshot(): Promise<void> {
    await this.#drain();
  }

  async flush(): Promise<void> {
    await this.#drain();
  }

  async close(): Promise<void> {
    if (this.#idleFlush !== undefined) clearImmediate(this.#idleFlush);
    await Promise.allSettled(this.#inFlight);
    await this.connection.close();
  }

  /** Sends what is buffered, then waits for every batch in flight; rejects with the first failure. */
  async #drain(): Promise<void> {
    this.#send();
    while (this.#inFlight.size > 0) await Promise.allSettled(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
  }

  #send(): void {
    if (this.#idleFlush !== undefined) {
      clearImmediate(this.#idleFlush);
      this.#idleFlush = undefined;
    }
    if (this.#buffer.size === 0 || this.#failure !== undefined) return;
    const batch = this.#buffer.takeChunk(Infinity)!;
    const sent: Promise<void> = appendBatch(this.#client, this.target.key, this.target.kind, this.target.maxLen, batch)
      .then(
        () => undefined,
        (err: unknown) => {
          this.#failure ??= new Error(`writing to Redis ${this.target.kind} ${this.target.key} failed: ${String(err)}`, { cause: err });
        },
      )
      .finally(() => this.#inFlight.delete(sent));
    this.#inFlight.add(sent);
  }
}
