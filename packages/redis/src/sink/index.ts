export { redisStreamSink, type RedisStreamSinkOptions } from './stream-sink.ts';
export { redisListSink, type RedisListSinkOptions } from './list-sink.ts';
export { redisHashSink, type RedisHashSinkOptions } from './hash-sink.ts';
export type { RedisSinkOptions } from './redis-sink.ts';
export type { RedisSinkTxn } from './exactly-once-writer.ts';
export { DEFAULT_STREAM_FIELD, encodeRecord, decodeRecord } from './encoding.ts';
