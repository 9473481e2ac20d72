import { rejectUnknownOptions, type Source } from '@weir/core';
import { resolveConnection, type RedisConnection } from '../connection.ts';
import { consumerGroupName } from '../keys.ts';
import { resolveDecoder, type Format } from '../format/format.ts';
import { DEFAULT_STREAM_FIELD } from '../sink/encoding.ts';
import { RedisStreamReader, type StreamEventTime, type StreamSplit } from './stream-reader.ts';
import { isStreamId } from './stream-ids.ts';
import { deadLetterOption, positiveInteger, rejectRetainedCheckpoints, type SourceDeadLetterOptions } from './options.ts';

/** Where a stream source starts when no checkpoint says otherwise. */
export type StreamStartAt = 'earliest' | 'latest' | { readonly id: string };

/** Options of {@link redisStreamSource}. */
export interface RedisStreamSourceOptions<T> {
  readonly redis: RedisConnection;
  /** The streams read; each is one split, spread round-robin over the source's subtasks. */
  readonly streams: readonly string[];
  /** How the payload field of an entry is decoded. */
  readonly format: Format<T>;
  /** The entry field holding the payload; default `'value'` (what `redisStreamSink` writes). */
  readonly field?: string;
  /**
   * On a start without a checkpoint: `'earliest'` reads each stream from its first entry,
   * `'latest'` from the entries added after the job starts, `{ id }` from the entries after `id`
   * (exclusive, as `XREAD` reads). A restore always continues from the checkpoint.
   */
  readonly startAt: StreamStartAt;
  /** Entries per `XREAD` per stream (`COUNT`); default 512. */
  readonly batchSize?: number;
  /** How long one `XREAD` waits for new entries (`BLOCK`); default 1000 ms. */
  readonly blockMs?: number;
  /**
   * The consumer group moved to each complete checkpoint's position (`XGROUP SETID`; created with
   * `MKSTREAM` when missing), so `XINFO GROUPS` shows how far the job has committed. Default
   * `weir:<job name>:<source uid>`; `false` for none. The source reads with `XREAD`, not as a
   * group member: the checkpoint, not the group, is its position.
   */
  readonly group?: string | false;
  /**
   * `XTRIM MINID` each stream, when a checkpoint completes, up to the entries every checkpoint the
   * job retains (its `retained`) is past. Only for streams this job alone consumes. Default false.
   */
  readonly trim?: boolean;
  /** Where undecodable entries go; default the list `<stream>:dead`, as JSON. */
  readonly deadLetter?: SourceDeadLetterOptions;
  /**
   * The time each entry carries into the job's watermark strategy (its timestamp assigner gets it
   * as `sourceTimestamp`; without an assigner it is the event time): `'entry-id'`, the milliseconds
   * of the entry id (when Redis added it, for `XADD *`), or `{ field }`, an entry field holding
   * epoch milliseconds or an ISO date. Each stream gets its own watermark generator. Default: none.
   *
   * @example
   * ```ts
   * env.fromSource(redisStreamSource<View>({ ..., eventTime: 'entry-id' }),
   *   watermarks.boundedOutOfOrderness<View>((_view, entryTime) => entryTime, 2_000).withIdleness(10_000))
   * ```
   */
  readonly eventTime?: StreamEventTime;
}

/**
 * A replayable source on Redis Streams (the Redis counterpart of Flink's KafkaSource). Each stream
 * is a split; each subtask reads its streams with `XREAD COUNT n BLOCK ms` on a connection of its
 * own, ahead of the task into a bounded buffer, and the task drains that buffer without waiting.
 *
 * The split state is `{ stream, lastId }` of the last entry delivered downstream: a restore reads
 * from the entry after it, so every entry is reflected exactly once in the restored state. Nothing
 * is released before a checkpoint that covers it is complete: then the consumer group is moved
 * (`XGROUP SETID`) to the checkpoint's position and, with `trim`, each stream is trimmed up to what
 * every retained checkpoint is past. Entries that cannot be decoded (or lack the payload field) go
 * to the dead-letter list `<stream>:dead` with the error and the entry id, once per entry (also
 * across restores), and the job keeps running.
 *
 * The set of streams is fixed when the job first starts: a restore reads the streams of the
 * checkpoint (a new stream needs a new source uid, or a start without the checkpoint).
 *
 * @example
 * ```ts
 * env.fromSource(redisStreamSource<Bid>({ redis: 'redis://localhost:6379', streams: ['bids'], format: 'json', startAt: 'earliest' }))
 * ```
 * @see redisListSource
 */
export function redisStreamSource<T>(options: RedisStreamSourceOptions<T>): Source<T, StreamSplit> {
  rejectRetainedCheckpoints('redisStreamSource', options);
  rejectUnknownOptions('redisStreamSource', options, STREAM_SOURCE_OPTIONS);
  const streams = options.streams;
  if (!Array.isArray(streams) || streams.length === 0 || streams.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError("redisStreamSource option 'streams' must be a non-empty array of stream names");
  }
  if (new Set(streams).size !== streams.length) throw new TypeError(`redisStreamSource option 'streams' names a stream twice: ${streams.join(', ')}`);
  const decode = resolveDecoder(options.format) as (raw: Buffer) => unknown;
  const startAt = options.startAt;
  if (startAt !== 'earliest' && startAt !== 'latest' && !(typeof startAt === 'object' && startAt !== null && isStreamId(startAt.id))) {
    throw new TypeError("redisStreamSource option 'startAt' must be 'earliest', 'latest' or { id: '<ms>-<seq>' }");
  }
  const batchSize = positiveInteger('batchSize', options.batchSize, 512);
  const blockMs = positiveInteger('blockMs', options.blockMs, 1000);
  const deadLetter = deadLetterOption('redisStreamSource', options.deadLetter);
  const field = options.field ?? DEFAULT_STREAM_FIELD;
  const eventTime = options.eventTime;
  if (eventTime !== undefined && eventTime !== 'entry-id' && !(typeof eventTime === 'object' && eventTime !== null && typeof eventTime.field === 'string' && eventTime.field !== '')) {
    throw new TypeError("redisStreamSource option 'eventTime' must be 'entry-id' or { field: '<entry field>' }");
  }
  return {
    boundedness: 'unbounded',
    maxParallelism: streams.length,
    createReader(ctx) {
      const conn = resolveConnection(options.redis, `weir:source:${ctx.operatorUid ?? 'source'}:${ctx.subtaskIndex}`, {
        onError: (err) => ctx.logger.debug({ err }, 'Redis stream source connection error'),
      });
      const group = options.group === false ? undefined : (options.group ?? consumerGroupName(ctx.jobName, ctx.operatorUid ?? 'source'));
      return new RedisStreamReader<T>(ctx, {
        conn,
        streams,
        field,
        startAt,
        batchSize,
        blockMs,
        group,
        trim: options.trim === true,
        decode,
        deadLetterFormat: deadLetter.format,
        deadLetterKey: deadLetter.key,
        eventTime,
      });
    },
  };
}

const STREAM_SOURCE_OPTIONS = ['redis', 'streams', 'format', 'field', 'startAt', 'batchSize', 'blockMs', 'group', 'trim', 'deadLetter', 'eventTime'] satisfies (keyof RedisStreamSourceOptions<unknown>)[];

export type { StreamSplit, StreamEventTime };
