export { redisStreamSource, type RedisStreamSourceOptions, type StreamEventTime, type StreamStartAt } from './stream-source.ts';
export type { StreamSplit } from './stream-reader.ts';
export { redisListSource, type RedisListSourceOptions } from './list-source.ts';
export type { ListSplit } from './list-splits.ts';
export type { SourceDeadLetterOptions } from './options.ts';
