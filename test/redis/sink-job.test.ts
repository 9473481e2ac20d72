import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { StreamEnvironment, fixedDelay, generatorSource } from '@weir/core';
import { RedisCheckpointStorage, redisStreamSink } from '@weir/redis';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { readStream, scanKeys } from '../support/redis-sink-context.ts';
import { expectedCounts, countedKey } from '../support/keyed-count.ts';

interface Count {
  k: string;
  n: number;
  i: number;
}

const servers: TestRedis[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** What an uninterrupted run emits: record i of key k is the n-th of its key. */
function expectedOutput(count: number, keys: number): string[] {
  return expectedCounts(count, keys).map(countedKey).sort();
}

/** generator → keyBy → reduce (a running count per key) → exactly-once Redis stream sink. */
function countingJob(redis: TestRedis, options: { count: number; keys: number; rate: number; stream: string; prefix: string }) {
  const env = StreamEnvironment.create({ parallelism: 2, logger: pino({ level: 'silent' }) });
  env.enableCheckpointing(50, {
    // tolerableFailures 0 (the default): a checkpoint that fails while Redis is down fails the job.
    storage: new RedisCheckpointStorage({ redis: redis.url, jobName: 'counting', prefix: options.prefix }),
  });
  env.setRestartStrategy(fixedDelay({ attempts: 50, delay: 200 }));
  env
    .fromSource(
      generatorSource({
        count: options.count,
        generate: (i): Count => ({ k: `k${i % options.keys}`, n: 1, i }),
        ratePerSecond: options.rate,
      }),
    )
    .uid('source')
    .keyBy((r) => r.k)
    .reduce((a, b) => ({ k: a.k, n: a.n + b.n, i: b.i }))
    .uid('count')
    .sinkTo(redisStreamSink<Count>({ redis: redis.url, stream: options.stream, exactlyOnce: true, prefix: options.prefix }))
    .uid('redis-out');
  return env;
}

describe('a job writing to the exactly-once Redis stream sink', () => {
  it('leaves exactly the expected entries in the stream after running to completion', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const stream = `${prefix}:out`;
    const count = 20_000;
    const result = await countingJob(redis, { count, keys: 50, rate: 40_000, stream, prefix }).execute('counting');
    expect(result.status).toBe('finished');
    const client = redis.client();
    const out = (await readStream<Count>(client, stream)).map((c) => `${c.k}:${c.n}:${c.i}`).sort();
    expect(out).toEqual(expectedOutput(count, 50));
    expect(await scanKeys(client, `${prefix}:stage:*`)).toEqual([]);
    client.disconnect();
  });

  it('stays exact when Redis is killed and restarted mid-job (AOF), twice, the job restarting each time', async () => {
    const redis = await startRedis({ aof: true });
    servers.push(redis);
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const stream = `${prefix}:out`;
    const count = 30_000;
    const job = countingJob(redis, { count, keys: 50, rate: 15_000, stream, prefix }).execute('counting');
    // Two outages: early, and once the job has recovered from the first and written more.
    for (const after of [2_000, 15_000]) {
      const client = redis.client();
      await expect.poll(() => client.xlen(stream).catch(() => 0), { timeout: 20_000, interval: 20 }).toBeGreaterThan(after);
      client.disconnect();
      await redis.kill();
      await new Promise((r) => setTimeout(r, 500));
      await redis.restart();
    }
    const result = await job;
    expect(result.status).toBe('finished');
    // An outage that falls between two writes is ridden out by the client reconnecting (commands
    // issued meanwhile wait in its offline queue, unsent): not every outage forces a restart.
    expect(result.restarts).toBeGreaterThanOrEqual(1);
    const after = redis.client();
    const out = (await readStream<Count>(after, stream)).map((c) => `${c.k}:${c.n}:${c.i}`).sort();
    expect(out.length).toBe(count);
    expect(out).toEqual(expectedOutput(count, 50));
    expect(await scanKeys(after, `${prefix}:stage:*`)).toEqual([]);
    after.disconnect();
  });
});
