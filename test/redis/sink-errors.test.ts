import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@weir/core';
import { RedisCheckpointStorage, redisHashSink, redisListSink, redisStreamSink } from '@weir/redis';
import { startRedis } from '../support/redis-server.ts';
import { freshKey, sinkContext } from '../support/redis-sink-context.ts';

/** A port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('errors of the Redis connectors', () => {
  it('name the address and the cause when Redis is unreachable, once', async () => {
    const port = await closedPort();
    const url = `redis://127.0.0.1:${port}`;
    const unreachable = new RegExp(`Redis at 127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`);
    const once = (message: string): void => {
      expect(message).toMatch(unreachable);
      expect(message.split('Redis at').length - 1).toBe(1);
      expect(message).not.toMatch(/Reached the max retries/);
    };

    const atLeastOnce = redisStreamSink<number>({ redis: url, stream: 's' }).createWriter(sinkContext());
    atLeastOnce.write(1);
    const written = await Promise.resolve(atLeastOnce.flush!(true)).catch((e: unknown) => e);
    expect((written as Error).message).toMatch(/^writing to Redis stream s failed: Redis at/);
    once((written as Error).message);
    await atLeastOnce.close!();

    const exactlyOnce = redisStreamSink<number>({ redis: url, stream: 's', exactlyOnce: true }).createWriter(sinkContext());
    once(((await Promise.resolve(exactlyOnce.open!()).catch((e: unknown) => e)) as Error).message);
    await exactlyOnce.close!();

    const storage = new RedisCheckpointStorage({ redis: url, jobName: 'j' });
    const failure = await storage.initialize().catch((e: unknown) => e);
    once((failure as Error).message);
    expect(failure).toMatchObject({ name: 'RedisUnreachableError', address: `127.0.0.1:${port}`, code: 'ECONNREFUSED' });
    await storage.close();
  });

  it('fail a command that was in flight when the connection broke, instead of leaving it pending forever', async () => {
    const own = await startRedis();
    try {
      const writer = redisListSink<number>({ redis: own.url, list: 'l', serialize: String }).createWriter(sinkContext());
      writer.write(1);
      await writer.flush!(true);
      const admin = own.client();
      await admin.call('CLIENT', 'PAUSE', '5000', 'WRITE');
      writer.write(2);
      const flushed = Promise.resolve(writer.flush!(true)).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100)); // the batch is in flight, held by the pause
      admin.disconnect();
      await own.kill();
      await own.restart(); // the client reconnects at once: ioredis used to drop the command unsettled
      const failure = await flushed;
      expect((failure as Error).message).toMatch(/the connection to Redis at 127\.0\.0\.1:\d+ was lost .*with the command in flight/);
      await writer.close!();
    } finally {
      await own.stop();
    }
  });

  it('reject option keys a sink does not know, naming the key', () => {
    const format = thrown(() => redisStreamSink({ redis: 'redis://127.0.0.1:1', stream: 's', format: 'json' } as never));
    expect(format).toBeInstanceOf(ConfigError);
    expect((format as ConfigError).option).toBe('format');
    expect((format as Error).message).toMatch(/^redisStreamSink has no option 'format'/);

    const typo = thrown(() => redisListSink({ redis: 'redis://127.0.0.1:1', list: 'l', exactlyonce: true } as never));
    expect((typo as ConfigError).option).toBe('exactlyonce');
    expect((typo as Error).message).toMatch(/did you mean 'exactlyOnce'\?/);

    const hash = thrown(() => redisHashSink({ redis: 'redis://127.0.0.1:1', hash: 'h', key: String, value: String, mode: 'set', field: String } as never));
    expect((hash as ConfigError).option).toBe('field');
    expect((hash as Error).message).toMatch(/^redisHashSink has no option 'field'/);

    // Every documented option is accepted.
    redisStreamSink({ redis: 'redis://127.0.0.1:1', stream: 's', maxLen: 5, serialize: () => ({ a: 1 }), exactlyOnce: true, batchSize: 5, chunkSize: 5, prefix: 'p' });
    redisListSink({ redis: 'redis://127.0.0.1:1', list: freshKey('l'), serialize: String, exactlyOnce: false, batchSize: 5, chunkSize: 5, prefix: 'p' });
    redisHashSink({ redis: 'redis://127.0.0.1:1', hash: 'h', key: String, value: String, mode: 'incrby', exactlyOnce: true, batchSize: 5, chunkSize: 5, prefix: 'p' });
  });
});
