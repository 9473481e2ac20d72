import type { ResolvedConnection } from '@weir/redis';
import { UsageError } from '../errors.ts';
import { weirRedis } from '../weir-redis.ts';

/**
 * Opens a connection for a `dlq` command from its REDIS_URL argument (`redis://[user:pass@]host:port[/db]`,
 * `rediss://` for TLS), with Weir's defaults: a command sent while Redis is unreachable fails
 * after two reconnection attempts, with an error naming the address, rather than hang.
 */
export async function openRedis(url: string): Promise<ResolvedConnection> {
  if (!/^rediss?:\/\//.test(url)) throw new UsageError(`REDIS_URL must start with redis:// or rediss://, got '${url}'`);
  return (await weirRedis()).resolveConnection(url, 'weir:dlq');
}

/** Runs `use` with a connection to `url`, and closes it afterwards. */
export async function withRedis<T>(url: string, use: (conn: ResolvedConnection) => Promise<T>): Promise<T> {
  const conn = await openRedis(url);
  try {
    return await use(conn);
  } finally {
    await conn.close();
  }
}

/** The ioredis client of a connection. */
export type RedisClient = ResolvedConnection['client'];
