import type * as WeirRedisModule from '@weir/redis';

/** The `@weir/redis` module, as {@link weirRedis} resolves it. */
export type WeirRedis = typeof WeirRedisModule;

/**
 * `@weir/redis` (and ioredis with it), imported when a command first talks to Redis. Most starts
 * of `weir` never do (`run` of a job without Redis, `status`, `savepoint`, `checkpoints list`), and
 * importing it up front cost each of them about 55 ms, 140 ms from the sources in this repository.
 * A job that uses Redis imports the package itself.
 */
export function weirRedis(): Promise<WeirRedis> {
  return import('@weir/redis');
}
