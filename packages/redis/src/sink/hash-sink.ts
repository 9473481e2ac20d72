import type { Sink } from '@weir/core';
import { checkSinkOptions, redisSink, type RedisSinkOptions } from './redis-sink.ts';
import { hashTarget } from './target.ts';

/** Options of {@link redisHashSink}. */
export interface RedisHashSinkOptions<T> extends RedisSinkOptions {
  /** The hash written (the key, used as is). */
  readonly hash: string;
  /** The field a record upserts. */
  readonly key: (value: T) => string;
  /** The value set (`mode: 'set'`) or the integer added (`mode: 'incrby'`). */
  readonly value: (value: T) => string | number;
  /** `set`: HSET, the last record of a field wins. `incrby`: HINCRBY, records add up. */
  readonly mode: 'set' | 'incrby';
}

/**
 * A sink upserting one hash field per record: `HSET` (a materialized view: latest value per key)
 * or `HINCRBY` (counters). Records of a batch are folded per field before they are written (last
 * value, or sum), so a batch costs one write per distinct field.
 *
 * At-least-once by default: `set` is idempotent, but a restore adds `incrby` increments again.
 * With `exactlyOnce: true` each checkpoint's upserts are applied once, after it completes.
 *
 * @example
 * ```ts
 * counts.sinkTo(redisHashSink({ redis: url, hash: 'word-counts', key: (c) => c.word, value: (c) => c.n, mode: 'set' }));
 * ```
 */
export function redisHashSink<T>(options: RedisHashSinkOptions<T>): Sink<T> {
  checkSinkOptions('redisHashSink', options, ['hash', 'key', 'value', 'mode']);
  if (options.mode !== 'set' && options.mode !== 'incrby') {
    throw new RangeError(`redisHashSink option 'mode' must be 'set' or 'incrby', got ${String(options.mode)}`);
  }
  // Measured inside Lua: HINCRBY per field 1.3 M/s, batched HSET 2.9 M/s: 5,000 fields hold Redis for ~2-4 ms.
  return redisSink(options, () => hashTarget(options.hash, options.mode, options.key, options.value), 5_000);
}
