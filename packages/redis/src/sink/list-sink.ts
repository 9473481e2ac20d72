import type { RedisValue } from 'ioredis';
import type { Sink } from '@weir/core';
import { encodeRecord } from './encoding.ts';
import { checkSinkOptions, redisSink, type RedisSinkOptions } from './redis-sink.ts';
import { listTarget, type Bytes } from './target.ts';

/** Options of {@link redisListSink}. */
export interface RedisListSinkOptions<T> extends RedisSinkOptions {
  /** The list appended to (the key, used as is). */
  readonly list: string;
  /** One list element per record; default msgpack of the record. */
  readonly serialize?: (value: T) => RedisValue;
}

/**
 * A sink appending one list element per record (`RPUSH`): the producer side of a Redis list used
 * as a job queue. At-least-once by default; with `exactlyOnce: true`, each checkpoint's records
 * are pushed once, after the checkpoint completes (see {@link redisStreamSink}).
 *
 * @example
 * ```ts
 * jobs.sinkTo(redisListSink({ redis: 'redis://localhost:6379', list: 'queue:emails', exactlyOnce: true }));
 * ```
 */
export function redisListSink<T>(options: RedisListSinkOptions<T>): Sink<T> {
  checkSinkOptions('redisListSink', options, ['list', 'serialize']);
  const serialize = options.serialize ?? encodeRecord;
  const element = (v: T): Bytes => {
    const e = serialize(v);
    return typeof e === 'number' ? String(e) : e;
  };
  // RPUSH of batched elements measured 4.6 M/s inside Lua: 10,000 per call hold Redis for ~2-4 ms.
  return redisSink(options, () => listTarget(options.list, element), 10_000);
}
