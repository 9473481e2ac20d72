import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  JobExecutionError,
  StreamEnvironment,
  collectSink,
  fixedDelay,
  generatorSource,
  type Collector,
  type DeadLetter,
  type DeadLetterQueue,
  type JobClient,
  type KeyedContext,
} from '@weir/core';
import { redisDeadLetterQueue, redisListSource } from '@weir/redis';
import { startRedis } from '../support/redis-server.ts';
import { useRedis } from '../support/use-redis.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});
const dirs = tempDirs('weir-dl-');
afterAll(() => dirs.cleanup());

const environment = (parallelism = 1) => StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });
const key = (): string => `t${randomBytes(4).toString('hex')}:dead`;
const letters = async (k: string): Promise<(DeadLetter & { payload: unknown })[]> => (await c.lrange(k, 0, -1)).map((l) => JSON.parse(l));

/** A function that throws on multiples of 5, counting its calls per record. */
function flaky(calls: Map<number, number>): (x: number) => number {
  return (x) => {
    calls.set(x, (calls.get(x) ?? 0) + 1);
    if (x % 5 === 0) throw new RangeError(`no multiples of 5: ${x}`);
    return x * 10;
  };
}

describe("onError({ deadLetter }) with redisDeadLetterQueue", () => {
  it('retries a throwing map immediately, then dead-letters the record with its attempts, and the job goes on', async () => {
    const env = environment();
    const out = collectSink<number>();
    const calls = new Map<number, number>();
    const dead = redisDeadLetterQueue({ redis: c, key: key() });
    env.fromCollection([1, 5, 2, 10, 3]).map(flaky(calls)).uid('times-ten').onError({ deadLetter: dead }).sinkTo(out);
    await env.execute();
    await dead.close();
    expect(out.values).toEqual([10, 20, 30]);
    expect(calls.get(5)).toBe(3);
    expect(calls.get(1)).toBe(1);
    const got = await letters(dead.key);
    expect(got.map((l) => l.payload)).toEqual([5, 10]);
    expect(got[0]).toMatchObject({ operator: 'times-ten', attempts: 3, error: 'RangeError: no multiples of 5: 5', source: null });
  });

  it('keeps a record whose retry succeeds, and honours attempts', async () => {
    const env = environment();
    const out = collectSink<number>();
    let failures = 1;
    const dead = redisDeadLetterQueue({ redis: c, key: key() });
    env
      .fromCollection([1, 2])
      .map((x) => {
        if (x === 2 && failures-- > 0) throw new Error('transient');
        return x;
      })
      .onError({ deadLetter: dead, attempts: 2 })
      .sinkTo(out);
    await env.execute();
    await dead.close();
    expect(out.values).toEqual([1, 2]);
    expect(await c.llen(dead.key)).toBe(0);
  });

  it('covers filter, flatMap, process, keyed process and reduce', async () => {
    const env = environment(2);
    const dead = redisDeadLetterQueue({ redis: c, key: key(), format: 'msgpack' });
    const policy = { deadLetter: dead, attempts: 1 };
    const boom = (x: number): never => {
      throw new Error(`boom ${x}`);
    };
    const out = collectSink<number>();
    env
      .fromCollection([1, 2, 3, 4, 5, 6])
      .filter((x) => (x === 1 ? boom(x) : true))
      .uid('filter')
      .onError(policy)
      .flatMap((x: number, o: Collector<number>) => (x === 2 ? boom(x) : o.collect(x)))
      .uid('flatMap')
      .onError(policy)
      .process({ processElement: (x: number, _ctx: unknown, o: Collector<number>) => (x === 3 ? boom(x) : o.collect(x)) })
      .uid('process')
      .onError(policy)
      .keyBy((x) => x % 2)
      .process({ processElement: (x: number, _ctx: KeyedContext<number>, o: Collector<number>) => (x === 4 ? boom(x) : o.collect(x)) })
      .uid('keyedProcess')
      .onError(policy)
      .keyBy(() => 0)
      .reduce((a, b) => (b === 6 ? boom(b) : a + b))
      .uid('reduce')
      .onError(policy)
      .sinkTo(out);
    await env.execute();
    await dead.close();
    expect(out.values).toEqual([5]); // 5 is the first of key 0 in the reduce; 6 was dead-lettered there
    const { unpack } = await import('msgpackr');
    const got = (await c.lrangeBuffer(dead.key, 0, -1)).map((b) => unpack(b) as DeadLetter);
    expect(got.map((l) => [l.operator, l.payload, l.attempts]).sort()).toEqual([
      ['filter', 1, 1],
      ['flatMap', 2, 1],
      ['keyedProcess', 4, 1],
      ['process', 3, 1],
      ['reduce', 6, 1],
    ]);
  });

  it("still fails the job by default ('fail'), naming the operator", async () => {
    const env = environment();
    env.fromCollection([5]).map(flaky(new Map())).name('times ten').sinkTo(collectSink());
    const error = await env.execute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(String((error as Error).message)).toMatch(/times ten/);
  });

  it('is set on operators only, with a whole number of attempts', () => {
    const env = environment();
    const dead: DeadLetterQueue = { send() {} };
    const source = env.fromCollection([1]);
    expect(() => source.onError({ deadLetter: dead })).toThrow(TypeError);
    expect(() => source.map((x) => x).onError({ deadLetter: dead, attempts: 0 })).toThrow(ConfigError);
    expect(() => source.keyBy((x) => x).onError('fail')).toThrow(TypeError);
  });

  it('completes a checkpoint only once the letters of the records it covers are written', async () => {
    const root = await dirs.make();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sent: DeadLetter[] = [];
    const dead: DeadLetterQueue = { send: (l) => void sent.push(l), flush: () => gate };
    const env = environment();
    env.enableCheckpointing(20, { storage: join(root, 'ck') });
    const out = collectSink<number>();
    env.fromSource(redisListSource<number>({ redis: c, list: key(), format: 'json', pollMs: 5 })).map(flaky(new Map())).onError({ deadLetter: dead, attempts: 1 }).sinkTo(out);
    const job = env.executeAsync('dl-gate');
    await new Promise((r) => setTimeout(r, 200));
    expect(completed(job)).toBe(0);
    expect(job.checkpointStats().counts.inProgress).toBe(1);
    release();
    await waitFor(() => completed(job) > 0);
    job.cancel();
    await job.result;
    expect(sent).toEqual([]);
  });
});

describe('a list source job with undecodable input', () => {
  it('dead-letters what it cannot decode, with the reason, and keeps running', async () => {
    const root = await dirs.make();
    const list = `t${randomBytes(4).toString('hex')}:q`;
    for (const item of ['1', '{broken', '2', 'three', '3']) await c.lpush(list, item);
    const env = environment();
    env.enableCheckpointing(50, { storage: join(root, 'ck') });
    const out = collectSink<number>();
    env.fromSource(redisListSource<number>({ redis: c, list, format: 'json', pollMs: 5 })).uid('queue').sinkTo(out);
    const job = env.executeAsync('undecodable');
    await waitFor(() => out.values.length === 3);
    await c.lpush(list, '4', 'not json either', '5');
    await waitFor(() => out.values.length === 5);
    await waitFor(async () => (await c.llen(`${list}:processing:0`)) === 0); // released once checkpoints covered it
    job.cancel();
    await job.result;
    expect(out.values).toEqual([1, 2, 3, 4, 5]);
    const got = await letters(`${list}:dead`);
    expect(got.map((l) => l.payload)).toEqual(['{broken', 'three', 'not json either']);
    expect(got.every((l) => l.operator === 'queue' && l.source === `${list}:processing:0` && l.attempts === 1 && /SyntaxError/.test(l.error))).toBe(true);
    expect(got.map((l) => l.position)).toEqual(['1', '3', '6']);
  });
});

describe('redisDeadLetterQueue', () => {
  it('keeps letters it could not write and writes them at the next flush', async () => {
    const own = await startRedis();
    try {
      const dead = redisDeadLetterQueue({ redis: { port: own.port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false }, key: 'k:dead' });
      await own.kill();
      dead.send({ payload: { id: 1 }, error: 'Error: x', operator: 'op', attempts: 3, time: 0 });
      await expect(dead.flush()).rejects.toThrow();
      await own.restart();
      await waitFor(async () => {
        try {
          await dead.flush();
          return true;
        } catch {
          return false;
        }
      });
      const check = own.client();
      expect((await check.lrange('k:dead', 0, -1)).map((l) => JSON.parse(l).payload)).toEqual([{ id: 1 }]);
      check.disconnect();
      await dead.close();
    } finally {
      await own.stop();
    }
  });
});

describe('redisDeadLetterQueue.writeBatch', () => {
  const letter = (n: number): DeadLetter => ({ payload: { n }, error: 'Error: x', operator: 'op', attempts: 1, time: n, source: 's', position: String(n) });

  it('writes a batch once however often it is called with its id, also concurrently', async () => {
    const dead = redisDeadLetterQueue({ redis: redis.url, key: key() });
    await dead.writeBatch('job/op/0/a/1', [letter(1), letter(2)]);
    await dead.writeBatch('job/op/0/a/1', [letter(1), letter(2)]); // repeated after a restore
    await Promise.all([dead.writeBatch('job/op/0/a/2', [letter(3)]), dead.writeBatch('job/op/0/a/2', [letter(3)])]);
    await dead.writeBatch('job/op/1/a/2', [letter(4)]); // another subtask's batch of the same checkpoint
    await dead.writeBatch('job/op/0/a/3', []);
    expect((await letters(dead.key)).map((l) => [l.payload, l.position])).toEqual([
      [{ n: 1 }, '1'],
      [{ n: 2 }, '2'],
      [{ n: 3 }, '3'],
      [{ n: 4 }, '4'],
    ]);
    expect(await c.zrange(`${dead.key}:batches`, '0', '-1')).toEqual(['job/op/0/a/1', 'job/op/0/a/2', 'job/op/1/a/2', 'job/op/0/a/3']);
    await dead.close();
  });

  it('keeps a bounded number of batch markers, the newest', async () => {
    const dead = redisDeadLetterQueue({ redis: redis.url, key: key() });
    const { KEEP_BATCH_MARKERS } = await import('../../packages/redis/src/dead-letter/redis-dead-letter-queue.ts');
    const { writeLetterBatch } = await import('../../packages/redis/src/lua/dead-letter-batch.ts');
    const keys = { deadLetterList: dead.key, batches: `${dead.key}:batches` };
    for (let i = 0; i < 5; i++) await writeLetterBatch(c, keys, `b${i}`, ['x'], 3);
    expect(await c.zrange(keys.batches, '0', '-1')).toEqual(['b2', 'b3', 'b4']);
    expect(await writeLetterBatch(c, keys, 'b4', ['x'], 3)).toBe(0);
    expect(KEEP_BATCH_MARKERS).toBeGreaterThanOrEqual(1000);
  });

  it('closes its connection, and opens one again when used after close', async () => {
    const k = key();
    const dead = redisDeadLetterQueue({ redis: redis.url, key: k });
    const connections = async () => ((await c.client('LIST')) as string).split('\n').filter((l) => l.includes(`name=weir:dead-letter:${k}`)).length;
    await dead.writeBatch('b1', [letter(1)]);
    dead.send(letter(2));
    expect(await connections()).toBe(1);
    await dead.close(); // writes what send queued first
    expect(await connections()).toBe(0);
    expect(await c.llen(k)).toBe(2);
    await dead.writeBatch('b2', [letter(3)]); // a later attempt
    expect(await c.llen(k)).toBe(3);
    await dead.close();
    await dead.close(); // idempotent
    expect(await connections()).toBe(0);
  });

  it('gets the letters of a checkpointed job once each, across a restart that replays their records', async () => {
    const root = await dirs.make();
    const dead = redisDeadLetterQueue({ redis: redis.url, key: key() });
    const env = environment();
    env.enableCheckpointing(20, { storage: join(root, 'ck') });
    env.setRestartStrategy(fixedDelay({ attempts: 3, delay: 10 }));
    let failed = false;
    const out = collectSink<number>();
    env
      .fromSource(generatorSource({ count: 600, generate: (i) => i, ratePerSecond: 3000 }))
      .map(flaky(new Map()))
      .uid('times-ten')
      .onError({ deadLetter: dead, attempts: 1 })
      .map((x) => {
        // Fails the job once, after some checkpoints: records since the last one are replayed.
        if (x === 4010 && !failed) {
          failed = true;
          throw new Error('crash');
        }
        return x;
      })
      .sinkTo(out);
    await env.execute('dl-once');
    await dead.close();
    expect(failed).toBe(true);
    const got = (await letters(dead.key)).map((l) => l.payload as number);
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i * 5));
  });

  it('refuses option keys it does not know, naming the nearest', () => {
    expect(() => redisDeadLetterQueue({ redis: redis.url, key: 'k', fromat: 'json' } as never)).toThrow(ConfigError);
    expect(() => redisDeadLetterQueue({ redis: redis.url, key: 'k', fromat: 'json' } as never)).toThrow(/redisDeadLetterQueue has no option 'fromat'; did you mean 'format'/);
    expect(() => redisDeadLetterQueue({ redis: redis.url, key: 'k', format: 'yaml' as 'json' })).toThrow(/format/);
  });
});

function completed(job: JobClient): number {
  return job.checkpointStats().counts.completed;
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
