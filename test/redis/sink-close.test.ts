import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { SinkWriter } from '@weir/core';
import { redisStreamSink } from '@weir/redis';
import { CLOSE_COMMIT_WAIT_MS } from '../../packages/redis/src/sink/exactly-once-writer.ts';
import { startRedis } from '../support/redis-server.ts';
import { useRedis } from '../support/use-redis.ts';
import { freshKey, sinkContext } from '../support/redis-sink-context.ts';

const redis = useRedis();

/** The client a writer built (Weir's own, closed with the writer). */
const clientOf = (writer: SinkWriter<unknown>): Redis => (writer as unknown as { connection: { client: Redis } }).connection.client;

describe('closing a Redis sink writer', () => {
  it('lets a commit in flight finish before the exactly-once writer closes its connection', async () => {
    const stream = freshKey('out');
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true, chunkSize: 100 }).createWriter(sinkContext());
    await writer.open!();
    for (let i = 0; i < 30_000; i++) writer.write(i);
    writer.snapshotState!(1);
    await writer.completeSnapshot!(1);
    await writer.notifyCheckpointComplete!(1); // 300 script calls, in the background
    await writer.close!();
    // Every chunk moved: the commit was not cut off by the connection closing under it.
    expect(await redis.shared.xlen(stream)).toBe(30_000);
    expect(clientOf(writer).status).toBe('end');
  });

  it('stops waiting for a commit that cannot finish, and runs none after it closed', async () => {
    const stream = freshKey('out');
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true, chunkSize: 100 }).createWriter(sinkContext());
    await writer.open!();
    for (let i = 0; i < 30_000; i++) writer.write(i);
    writer.snapshotState!(1);
    await writer.completeSnapshot!(1);
    await redis.shared.call('CLIENT', 'PAUSE', '4000', 'WRITE');
    await writer.notifyCheckpointComplete!(1);
    const started = Date.now();
    await writer.close!();
    // Bounded: the commit wait, then the polite QUIT (1 s) before the connection is dropped.
    expect(Date.now() - started).toBeLessThan(CLOSE_COMMIT_WAIT_MS + 2_500);
    expect(clientOf(writer).status).toBe('end');
    await redis.shared.call('CLIENT', 'UNPAUSE');
    const afterClose = await redis.shared.xlen(stream);
    await new Promise((r) => setTimeout(r, 300));
    expect(await redis.shared.xlen(stream)).toBe(afterClose);
    expect(afterClose).toBeLessThan(30_000);
  });

  it('closes every connection it built when Redis is down, within the quit fallback', async () => {
    const own = await startRedis();
    const atLeastOnce = redisStreamSink<number>({ redis: own.url, stream: 's' }).createWriter(sinkContext());
    const exactlyOnce = redisStreamSink<number>({ redis: own.url, stream: 's', exactlyOnce: true }).createWriter(sinkContext());
    await exactlyOnce.open!();
    atLeastOnce.write(1);
    await atLeastOnce.flush!(true);
    exactlyOnce.write(1);
    await own.stop();
    atLeastOnce.write(2);
    for (const writer of [atLeastOnce, exactlyOnce]) {
      const started = Date.now();
      await writer.close!();
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(clientOf(writer).status).toBe('end');
    }
  });
});
