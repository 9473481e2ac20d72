import { rejectUnknownOptions, type DeadLetter, type DeadLetterQueue } from '@weir/core';
import { resolveConnection, type RedisConnection, type ResolvedConnection } from '../connection.ts';
import { deadLetterBatchesKey } from '../keys.ts';
import { writeLetterBatch } from '../lua/dead-letter-batch.ts';
import { encodeDeadLetter, type DeadLetterFormat } from './encode.ts';
import { writeDeadLetters } from './write.ts';

/** Options of {@link redisDeadLetterQueue}. */
export interface RedisDeadLetterQueueOptions {
  readonly redis: RedisConnection;
  /** The list letters are appended to (`RPUSH`), used as is. */
  readonly key: string;
  /** Default `'json'`. */
  readonly format?: DeadLetterFormat;
}

const OPTIONS = ['redis', 'key', 'format'] satisfies (keyof RedisDeadLetterQueueOptions)[];

/**
 * Batch markers kept per dead-letter list: a restore repeats only the batches of the checkpoint it
 * restores, a few checkpoints back at most, times the operator subtasks that share the list.
 */
export const KEEP_BATCH_MARKERS = 10_000;

/** A {@link DeadLetterQueue} on a Redis list. */
export interface RedisDeadLetterQueue extends DeadLetterQueue {
  readonly key: string;
  writeBatch(batchId: string, letters: readonly DeadLetter[]): Promise<void>;
  flush(): Promise<void>;
  /**
   * Writes what `send` queued, waits for batches in flight, then quits the client if the queue
   * built it (never one passed in). Weir calls it when a job attempt ends; the queue connects
   * again if it is used after that.
   */
  close(): Promise<void>;
}

/**
 * A dead-letter queue on a Redis list, for `onError({ deadLetter })`: each letter is one JSON (or
 * msgpack) element `{ payload, error, operator, attempts, time, source, position }`, appended with
 * `RPUSH`.
 *
 * With checkpointing, Weir stages an operator's letters in its checkpoint and hands them to
 * {@link RedisDeadLetterQueue.writeBatch} when the checkpoint completes: one Lua script appends the
 * batch and records its id in `<key>:batches` (the last {@link KEEP_BATCH_MARKERS} ids), so a batch
 * repeated after a restore is not written again: exactly once per checkpoint. Without
 * checkpointing, `send` queues letters and writes them in the background, many per round trip, at
 * least once; `flush` resolves once Redis has what was queued (a letter whose write failed stays
 * queued and is written at the next flush).
 *
 * The connection is opened on first use and closed by `close`, which Weir calls when a job
 * attempt ends, so a cancelled job leaves no socket open.
 *
 * @example
 * ```ts
 * const dead = redisDeadLetterQueue({ redis: 'redis://localhost:6379', key: 'orders:dead' });
 * orders.map(parseOrder).onError({ deadLetter: dead, attempts: 3 });
 * ```
 */
export function redisDeadLetterQueue(options: RedisDeadLetterQueueOptions): RedisDeadLetterQueue {
  rejectUnknownOptions('redisDeadLetterQueue', options, OPTIONS);
  if (typeof options.key !== 'string' || options.key === '') throw new TypeError("redisDeadLetterQueue option 'key' must be a non-empty string");
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'msgpack') throw new TypeError(`redisDeadLetterQueue option 'format' must be 'json' or 'msgpack', got ${String(format)}`);
  return new ListDeadLetterQueue(options, format);
}

class ListDeadLetterQueue implements RedisDeadLetterQueue {
  readonly key: string;
  readonly #options: RedisDeadLetterQueueOptions;
  readonly #format: DeadLetterFormat;
  readonly #batches: string;
  /** Encoded, not yet acknowledged by Redis. */
  #queued: (string | Buffer)[] = [];
  #writing: Promise<void> | undefined;
  #scheduled = false;
  /** `writeBatch` calls in flight (close waits for them). */
  readonly #inFlight = new Set<Promise<unknown>>();
  #conn: ResolvedConnection | undefined;

  constructor(options: RedisDeadLetterQueueOptions, format: DeadLetterFormat) {
    this.#options = options;
    this.key = options.key;
    this.#format = format;
    this.#batches = deadLetterBatchesKey(options.key);
  }

  send(letter: DeadLetter): void {
    // Encoded now: the record may be changed by the job after this call.
    this.#queued.push(encodeDeadLetter(letter, this.#format));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#write().catch(() => {}); // kept queued; the next flush reports it
      });
    }
  }

  async writeBatch(batchId: string, letters: readonly DeadLetter[]): Promise<void> {
    const entries = letters.map((l) => encodeDeadLetter(l, this.#format));
    const write = writeLetterBatch(this.#client(), { deadLetterList: this.key, batches: this.#batches }, batchId, entries, KEEP_BATCH_MARKERS);
    this.#inFlight.add(write);
    try {
      await write;
    } finally {
      this.#inFlight.delete(write);
    }
  }

  async flush(): Promise<void> {
    await this.#write();
  }

  async close(): Promise<void> {
    try {
      await this.#write();
    } finally {
      await Promise.allSettled([...this.#inFlight]);
      const conn = this.#conn;
      this.#conn = undefined;
      await conn?.close();
    }
  }

  #client() {
    this.#conn ??= resolveConnection(this.#options.redis, `weir:dead-letter:${this.key}`);
    return this.#conn.client;
  }

  /** Writes everything queued, after any write in progress; rejects if a batch failed (it stays queued). */
  async #write(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing.catch(() => {});
    if (this.#queued.length === 0) return;
    const batch = this.#queued;
    this.#queued = [];
    const key = this.key;
    this.#writing = writeDeadLetters(this.#client(), batch.map((entry) => ({ key, entry })));
    try {
      await this.#writing;
    } catch (e) {
      this.#queued = batch.concat(this.#queued);
      throw e;
    } finally {
      this.#writing = undefined;
    }
  }
}
