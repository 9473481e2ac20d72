import { beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { SinkWriter } from '@weir/core';
import { redisListSink, redisStreamSink } from '@weir/redis';
import { MAX_WRITES_IN_FLIGHT } from '../../packages/redis/src/sink/write-window.ts';
import { useRedis } from '../support/use-redis.ts';
import { freshKey, sinkContext } from '../support/redis-sink-context.ts';

const redis = useRedis();
let client: Redis;
beforeAll(() => {
  client = redis.shared;
});

/** What a task does with a writer: write, and whenever it is full, wait until it is writable. */
async function feed(writer: SinkWriter<number>, from: number, to: number, inFlight: () => number): Promise<{ maxInFlight: number; waits: number }> {
  let maxInFlight = 0;
  let waits = 0;
  for (let i = from; i < to; i++) {
    writer.write(i);
    maxInFlight = Math.max(maxInFlight, inFlight());
    if (writer.isFull === true) {
      waits++;
      await writer.whenWritable!();
      maxInFlight = Math.max(maxInFlight, inFlight());
    }
  }
  return { maxInFlight, waits };
}

describe('backpressure of the Redis sinks', () => {
  it('at-least-once: keeps at most the cap of batches in flight while Redis is paused, and delivers every record', async () => {
    const list = freshKey('list');
    const writer = redisListSink<number>({ redis: redis.url, list, serialize: String, batchSize: 1000 }).createWriter(sinkContext());
    const probe = writer as unknown as { batchesInFlight: number; batchesQueued: number };
    writer.write(0);
    await writer.flush!(true); // connected, script loaded
    await client.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    // Until Redis answers, the writer fills up: the cap of batches in flight, and nothing more queued.
    let i = 1;
    while (writer.isFull !== true) writer.write(i++);
    expect(probe.batchesInFlight).toBe(MAX_WRITES_IN_FLIGHT);
    expect(probe.batchesQueued).toBe(0);
    expect(i).toBe(1 + MAX_WRITES_IN_FLIGHT * 1000);
    // Only an acknowledged batch makes it writable again: Redis has it by then.
    await writer.whenWritable!();
    expect(await client.llen(list)).toBeGreaterThan(1000);
    const { maxInFlight, waits } = await feed(writer, i, 300_000, () => probe.batchesInFlight);
    expect(maxInFlight).toBe(MAX_WRITES_IN_FLIGHT);
    expect(waits).toBeGreaterThan(0);
    await writer.flush!(true);
    const all = await client.lrange(list, 0, -1);
    expect(all.length).toBe(300_000);
    expect(all.every((v, k) => v === String(k))).toBe(true);
    await writer.close!();
  });

  it('exactly-once: keeps at most the cap of staging pushes in flight while Redis is paused, and commits every record', async () => {
    const stream = freshKey('out');
    const writer = redisStreamSink<number>({ redis: redis.url, stream, exactlyOnce: true, chunkSize: 100 }).createWriter(sinkContext());
    const probe = writer as unknown as { stagingPushesInFlight: number };
    await writer.open!();
    await client.call('CLIENT', 'PAUSE', '1000', 'WRITE');
    let i = 0;
    while (writer.isFull !== true) writer.write(i++);
    expect(probe.stagingPushesInFlight).toBe(MAX_WRITES_IN_FLIGHT);
    expect(i).toBe(MAX_WRITES_IN_FLIGHT * 100);
    const { maxInFlight, waits } = await feed(writer, i, 20_000, () => probe.stagingPushesInFlight);
    expect(maxInFlight).toBe(MAX_WRITES_IN_FLIGHT);
    expect(waits).toBeGreaterThan(0);
    writer.snapshotState!(1);
    await writer.completeSnapshot!(1);
    await writer.notifyCheckpointComplete!(1);
    await (writer as unknown as { whenCommitted(): Promise<void> }).whenCommitted();
    expect(await client.xlen(stream)).toBe(20_000);
    await writer.close!();
  });

  it('is writable again once the writer failed or closed, so that a waiting task never hangs', async () => {
    const writer = redisListSink<number>({ redis: redis.url, list: freshKey('list'), serialize: String, batchSize: 10 }).createWriter(sinkContext());
    writer.write(0);
    await writer.flush!(true);
    await client.call('CLIENT', 'PAUSE', '3000', 'WRITE');
    while (writer.isFull !== true) writer.write(1);
    const waiting = writer.whenWritable!();
    await writer.close!();
    await waiting;
    expect(writer.isFull).toBe(false);
    await client.call('CLIENT', 'UNPAUSE');
  });
});
