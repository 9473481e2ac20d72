import { rejectUnknownOptions, type Source } from '@weir/core';
import { resolveConnection, type RedisConnection } from '../connection.ts';
import { resolveDecoder, type Format } from '../format/format.ts';
import { MAX_CLAIM } from '../lua/claim.ts';
import { RedisListReader } from './list-reader.ts';
import type { ListSplit } from './list-splits.ts';
import { deadLetterOption, positiveInteger, rejectRetainedCheckpoints, type SourceDeadLetterOptions } from './options.ts';

/** Options of {@link redisListSource}. */
export interface RedisListSourceOptions<T> {
  readonly redis: RedisConnection;
  /** The queue: a list producers `LPUSH` to; the source takes the oldest items first. */
  readonly list: string;
  /** How an item is decoded. */
  readonly format: Format<T>;
  /** Items moved per claim (one script call); default 512, at most 5000. */
  readonly batchSize?: number;
  /** How long to wait before claiming again after the queue was found empty; default 50 ms. */
  readonly pollMs?: number;
  /**
   * Set when several jobs consume one queue: their processing lists become
   * `<list>:processing:<consumer>:<n>`, so they do not share them. Keep it across restores.
   */
  readonly consumer?: string;
  /** Where undecodable items go; default the list `<list>:dead`, as JSON. */
  readonly deadLetter?: SourceDeadLetterOptions;
}

/**
 * A source on a Redis list used as a job queue, with the reliable-queue pattern and checkpoint
 * positions instead of timeouts. Each subtask moves items in batches from the queue into its own
 * processing list `<list>:processing:<n>` with one atomic script (`claim-3.lua`, which also
 * registers the list in `<list>:processing-lists`), so an item is always in Redis, never only in a
 * worker's memory. The split state is `{ processingList, offset, lists }`: how many items of that
 * list (an absolute count, kept valid across trims by `<list>:processing:<n>:meta`) were delivered
 * downstream; a restore replays the list from there. When a checkpoint completes, each processing
 * list is trimmed (`trim-2.lua`) up to what every checkpoint the job retains is past, never
 * further. A crash at any instant loses no item, and with an exactly-once sink none is counted twice.
 *
 * Rescaling hands whole processing lists to the new subtasks; `assignLists` (list-splits.ts) states
 * which list each subtask claims into, and registered lists that no split of the restored
 * checkpoint names (a wider run died before its first checkpoint) are adopted by one subtask each.
 * Items that cannot be decoded go to `<list>:dead` with the error and their position, once per
 * item (the item becomes a tombstone in its processing list). One job per queue unless each sets
 * its own `consumer`.
 *
 * @example
 * ```ts
 * env.fromSource(redisListSource<Job>({ redis: 'redis://localhost:6379', list: 'jobs', format: 'json' }))
 * ```
 * @see redisStreamSource
 */
export function redisListSource<T>(options: RedisListSourceOptions<T>): Source<T, ListSplit> {
  rejectRetainedCheckpoints('redisListSource', options);
  rejectUnknownOptions('redisListSource', options, LIST_SOURCE_OPTIONS);
  if (typeof options.list !== 'string' || options.list === '') throw new TypeError("redisListSource option 'list' must be a non-empty string");
  const decode = resolveDecoder(options.format) as (raw: Buffer) => unknown;
  const batchSize = positiveInteger('batchSize', options.batchSize, 512);
  if (batchSize > MAX_CLAIM) throw new RangeError(`redisListSource option 'batchSize' must be at most ${MAX_CLAIM}, got ${batchSize}`);
  const pollMs = positiveInteger('pollMs', options.pollMs, 50);
  if (options.consumer !== undefined && (typeof options.consumer !== 'string' || options.consumer === '')) {
    throw new TypeError("redisListSource option 'consumer' must be a non-empty string");
  }
  const deadLetter = deadLetterOption('redisListSource', options.deadLetter);
  return {
    boundedness: 'unbounded',
    createReader(ctx) {
      return new RedisListReader<T>(ctx, {
        conn: resolveConnection(options.redis, `weir:source:${ctx.operatorUid ?? 'source'}:${ctx.subtaskIndex}`, {
          onError: (err) => ctx.logger.debug({ err }, 'Redis list source connection error'),
        }),
        list: options.list,
        consumer: options.consumer,
        batchSize,
        pollMs,
        decode,
        deadLetterFormat: deadLetter.format,
        deadLetterKey: deadLetter.key,
      });
    },
  };
}

const LIST_SOURCE_OPTIONS = ['redis', 'list', 'format', 'batchSize', 'pollMs', 'consumer', 'deadLetter'] satisfies (keyof RedisListSourceOptions<unknown>)[];
