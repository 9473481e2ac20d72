import type { DeadLetter, DeadLetterQueue } from '@weir/core';
import { resolveConnection, type RedisConnection, type ResolvedConnection } from '../connection.ts';
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

/** A {@link DeadLetterQueue} on a Redis list; close it after the job when it built its own client. */
export interface RedisDeadLetterQueue extends DeadLetterQueue {
  readonly key: string;
  flush(): Promise<void>;
  /** Writes what is still queued, then quits the client if the queue built it (never one passed in). */
  close(): Promise<void>;
}

/**
 * A dead-letter queue on a Redis list, for `onError({ deadLetter })`: each letter is one JSON (or
 * msgpack) element `{ payload, error, operator, attempts, time, source }`, appended with `RPUSH`.
 *
 * `send` only queues: letters are written in the background, many per round trip. `flush` (which
 * every checkpoint awaits) writes what is queued and resolves once Redis has it; a letter whose
 * write failed stays queued and is written again at the next flush, so a checkpoint never
 * completes past a record whose letter is not in Redis. At least once: after a restore, or after a
 * write that failed ambiguously, a letter may appear twice.
 *
 * @example
 * ```ts
 * const dead = redisDeadLetterQueue({ redis: 'redis://localhost:6379', key: 'orders:dead' });
 * orders.map(parseOrder).onError({ deadLetter: dead, attempts: 3 });
 * await env.execute('orders');
 * await dead.close();
 * ```
 */
export function redisDeadLetterQueue(options: RedisDeadLetterQueueOptions): RedisDeadLetterQueue {
  if (typeof options.key !== 'string' || options.key === '') throw new TypeError("redisDeadLetterQueue option 'key' must be a non-empty string");
  return new ListDeadLetterQueue(options);
}

class ListDeadLetterQueue implements RedisDeadLetterQueue {
  readonly key: string;
  readonly #options: RedisDeadLetterQueueOptions;
  readonly #format: DeadLetterFormat;
  /** Encoded, not yet acknowledged by Redis. */
  #queued: (string | Buffer)[] = [];
  #writing: Promise<void> | undefined;
  #scheduled = false;
  #conn: ResolvedConnection | undefined;

  constructor(options: RedisDeadLetterQueueOptions) {
    this.#options = options;
    this.key = options.key;
    this.#format = options.format ?? 'json';
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

  async flush(): Promise<void> {
    await this.#write();
  }

  async close(): Promise<void> {
    try {
      await this.#write();
    } finally {
      await this.#conn?.close();
      this.#conn = undefined;
    }
  }

  /** Writes everything queued, after any write in progress; rejects if a batch failed (it stays queued). */
  async #write(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing.catch(() => {});
    if (this.#queued.length === 0) return;
    const batch = this.#queued;
    this.#queued = [];
    this.#conn ??= resolveConnection(this.#options.redis, `weir:dead-letter:${this.key}`);
    const key = this.key;
    this.#writing = writeDeadLetters(this.#conn.client, batch.map((entry) => ({ key, entry })));
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
