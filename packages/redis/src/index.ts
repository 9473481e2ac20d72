/**
 * @weir/redis: Weir connectors for Redis — sinks (stream, list, hash; at-least-once or exactly-once),
 * checkpoint storage, and the connection and key conventions they share.
 */
export {
  resolveConnection,
  defaultConnectionOptions,
  RedisUnreachableError,
  type RedisConnection,
  type ResolvedConnection,
} from './connection.ts';
export { DEFAULT_PREFIX, keySafe, type KeyOptions } from './keys.ts';
export * from './sink/index.ts';
export * from './storage/index.ts';
export * from './source/index.ts';
export * from './format/index.ts';
export * from './dead-letter/index.ts';
