import { beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { redisHashSink, redisListSink, redisStreamSink } from '@weir/redis';
import { startRedis } from '../support/redis-server.ts';
import { useRedis } from '../support/use-redis.ts';
import { freshKey, readStream, sinkContext } from '../support/redis-sink-context.ts';

const redis = useRedis();
let client: Redis;
beforeAll(() => {
  client = redis.shared;
});

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('the at-least-once Redis sinks', () => {
  it('write every record to the stream in order, in pipelined batches', async () => {
    const stream = freshKey('out');
    const writer = redisStreamSink<number>({ redis: redis.url, stream, batchSize: 500 }).createWriter(sinkContext());
    await writer.open?.();
    for (const i of range(0, 10_000)) writer.write(i);
    await writer.flush!(true);
    expect(await readStream<number>(client, stream)).toEqual(range(0, 10_000));
    await writer.close!();
  });

  it('write a partial batch once the task goes idle, without a flush', async () => {
    const list = freshKey('list');
    const writer = redisListSink<string>({ redis: redis.url, list, serialize: (s) => s }).createWriter(sinkContext());
    writer.write('a');
    writer.write('b');
    await expect.poll(() => client.lrange(list, 0, -1), { timeout: 2_000 }).toEqual(['a', 'b']);
    await writer.close!();
  });

  it('cover everything written before the barrier once the snapshot completes', async () => {
    const list = freshKey('list');
    const writer = redisListSink<number>({ redis: redis.url, list, serialize: String, batchSize: 7 }).createWriter(sinkContext());
    for (const i of range(0, 100)) writer.write(i);
    expect(writer.snapshotState).toBeUndefined();
    await writer.completeSnapshot!(1);
    expect(await client.lrange(list, 0, -1)).toEqual(range(0, 100).map(String));
    await writer.close!();
  });

  it('upsert hash fields: the last value with set, the sum with incrby', async () => {
    const latest = freshKey('latest');
    const counts = freshKey('counts');
    const words = ['a', 'b', 'a', 'c', 'a', 'b'].map((w, i) => ({ w, i }));
    const set = redisHashSink<{ w: string; i: number }>({ redis: redis.url, hash: latest, key: (v) => v.w, value: (v) => v.i, mode: 'set', batchSize: 4 }).createWriter(sinkContext());
    const incr = redisHashSink<{ w: string; i: number }>({ redis: redis.url, hash: counts, key: (v) => v.w, value: () => 1, mode: 'incrby', batchSize: 4 }).createWriter(sinkContext());
    for (const v of words) {
      set.write(v);
      incr.write(v);
    }
    await set.flush!(true);
    await incr.flush!(true);
    expect(await client.hgetall(latest)).toEqual({ a: '4', b: '5', c: '3' });
    expect(await client.hgetall(counts)).toEqual({ a: '3', b: '2', c: '1' });
    // Upserts: writing again overwrites with set, adds with incrby.
    set.write({ w: 'a', i: 99 });
    incr.write({ w: 'a', i: 99 });
    await set.flush!(true);
    await incr.flush!(true);
    expect(await client.hget(latest, 'a')).toBe('99');
    expect(await client.hget(counts, 'a')).toBe('4');
    await set.close!();
    await incr.close!();
  });

  it('refuse a non-integer increment', () => {
    const writer = redisHashSink<number>({ redis: redis.url, hash: freshKey('h'), key: String, value: (v) => v, mode: 'incrby' }).createWriter(sinkContext());
    expect(() => writer.write(1.5)).toThrow(/integer/);
    return writer.close!();
  });

  it('never close a client they were given', async () => {
    const own = redis.client();
    const stream = freshKey('out');
    const writer = redisStreamSink<number>({ redis: own, stream }).createWriter(sinkContext());
    writer.write(1);
    await writer.flush!(true);
    await writer.close!();
    expect(await own.xlen(stream)).toBe(1);
    own.disconnect();
  });

  it('validate their options', () => {
    expect(() => redisStreamSink({ redis: redis.url, stream: 's', batchSize: 0 })).toThrow(/batchSize/);
    expect(() => redisStreamSink({ redis: redis.url, stream: 's', maxLen: -1 })).toThrow(/maxLen/);
    expect(() => redisHashSink({ redis: redis.url, hash: 'h', key: String, value: String, mode: 'nope' as 'set' })).toThrow(/mode/);
  });
});

describe('a Redis sink that loses its connection', () => {
  it('fails the write instead of hanging, for both guarantees', async () => {
    const own = await startRedis();
    try {
      const atLeastOnce = redisStreamSink<number>({ redis: own.url, stream: 's' }).createWriter(sinkContext());
      const exactlyOnce = redisStreamSink<number>({ redis: own.url, stream: 's', exactlyOnce: true }).createWriter(sinkContext());
      await exactlyOnce.open!();
      atLeastOnce.write(1);
      await atLeastOnce.flush!(true);
      await own.kill();
      const started = Date.now();
      atLeastOnce.write(2);
      await expect(atLeastOnce.completeSnapshot!(1)).rejects.toThrow();
      expect(() => atLeastOnce.write(3)).toThrow(/failed/);
      exactlyOnce.write(1);
      exactlyOnce.snapshotState!(1);
      await expect(exactlyOnce.completeSnapshot!(1)).rejects.toThrow();
      // Failing rather than hanging: a hang would never end; 30 s is far above a real failure.
      expect(Date.now() - started).toBeLessThan(30_000);
      await atLeastOnce.close!();
      await exactlyOnce.close!();
    } finally {
      await own.stop();
    }
  });
});
