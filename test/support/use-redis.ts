import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type TestRedis, type TestRedisOptions } from './redis-server.ts';

/** A test file's own redis-server, and one client to it that the file's tests share. */
export interface RedisFixture extends TestRedis {
  /** Opened once the server is up; closed after the file's tests. */
  readonly shared: Redis;
}

/**
 * Starts a private redis-server before the test file's tests and stops it after them (with the
 * shared client). Call it at the top level of the file; use the result inside tests and hooks.
 */
export function useRedis(options: TestRedisOptions = {}): RedisFixture {
  let server: TestRedis | undefined;
  let shared: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis(options);
    shared = server.client();
  });
  afterAll(async () => {
    shared?.disconnect();
    await server?.stop();
  });
  const started = (): TestRedis => {
    if (server === undefined) throw new Error('useRedis(): the server starts in beforeAll; use it inside tests and hooks');
    return server;
  };
  return {
    get port() {
      return started().port;
    },
    get url() {
      return started().url;
    },
    get dir() {
      return started().dir;
    },
    get shared() {
      started();
      return shared!;
    },
    client: () => started().client(),
    kill: () => started().kill(),
    restart: () => started().restart(),
    stop: () => started().stop(),
  };
}
