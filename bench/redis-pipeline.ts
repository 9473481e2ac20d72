/**
 * Redis end to end: a stream of N bids → keyed count → output, three ways, in the same run and on
 * the same private redis-server:
 *  - a raw ioredis loop that reads the stream in batches (XREAD COUNT 1000) and counts: the limit;
 *  - Weir: redisStreamSource → keyBy → reduce → redisStreamSink({ exactlyOnce: true }), checkpoint
 *    every 1 s; records made visible downstream per second, from the first commit to the last;
 *  - BullMQ: the same records as jobs, a worker counting them (what Node users pick today).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamEnvironment } from '@weir/core';
import { redisStreamSink, redisStreamSource } from '@weir/redis';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { startRedis } from '../test/support/redis-server.ts';
import { report, type Measurement } from './measure.ts';
import { NO_PROGRESS, type Progress } from './lib/progress.ts';
import { measuredCase, type CaseResult } from './lib/results.ts';

interface Bid {
  readonly key: number;
  readonly value: number;
}

const KEYS = 1000;

async function fillStream(client: Redis, stream: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const p = client.pipeline();
    for (let j = i; j < Math.min(n, i + 1000); j++) p.xadd(stream, '*', 'value', JSON.stringify({ key: j % KEYS, value: j }));
    await p.exec();
  }
}

async function rawLoop(client: Redis, stream: string, n: number): Promise<number> {
  const counts = new Map<number, number>();
  let last = '0';
  let read = 0;
  const t0 = performance.now();
  while (read < n) {
    const res = (await client.xread('COUNT', 1000, 'STREAMS', stream, last)) as [string, [string, string[]][]][] | null;
    if (res === null) continue;
    for (const [id, fields] of res[0][1]) {
      const bid = JSON.parse(fields[1]) as Bid;
      counts.set(bid.key, (counts.get(bid.key) ?? 0) + 1);
      last = id;
      read++;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

async function weir(url: string, client: Redis, stream: string, n: number, dir: string): Promise<number> {
  const out = `${stream}:weir-out`;
  const env = StreamEnvironment.create({ logger: pino({ level: 'warn' }) });
  env.enableCheckpointing(1000, { storage: dir });
  env
    .fromSource(redisStreamSource<Bid>({ redis: url, streams: [stream], format: 'json', startAt: 'earliest', group: false }))
    .uid('bids')
    .map((b) => ({ key: b.key, n: 1 }))
    .keyBy((c) => c.key)
    .reduce((a, b) => ({ key: a.key, n: a.n + b.n }))
    .uid('counts')
    .sinkTo(redisStreamSink({ redis: url, stream: out, exactlyOnce: true }))
    .uid('out');
  // Steady state: from the first commit to the last, records made visible per second (start-up
  // and the wait for the final checkpoint are one-off costs, not throughput).
  const job = env.executeAsync('bench-redis');
  let first: { t: number; len: number } | undefined;
  let len = 0;
  while (len < n) {
    await new Promise((r) => setTimeout(r, 10));
    len = await client.xlen(out);
    if (first === undefined && len > 0) first = { t: performance.now(), len };
  }
  const rate = (n - first!.len) / ((performance.now() - first!.t) / 1000);
  job.cancel();
  await job.result;
  return rate;
}

async function bullmq(port: number, n: number): Promise<number> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue<Bid>('bench-bids', { connection });
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: 'bid', data: { key: (i + j) % KEYS, value: i + j }, opts: { removeOnComplete: true } })));
  }
  const counts = new Map<number, number>();
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const t0 = performance.now();
  const worker = new Worker<Bid>(
    'bench-bids',
    async (job) => {
      counts.set(job.data.key, (counts.get(job.data.key) ?? 0) + 1);
      if (++done === n) finished();
    },
    { connection, concurrency: 50 },
  );
  await allDone;
  const rate = n / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  return rate;
}

export async function runRedisPipeline(n: number, bullN: number, progress: Progress = NO_PROGRESS): Promise<CaseResult[]> {
  const redis = await startRedis();
  const client = redis.client();
  const dir = await mkdtemp(join(tmpdir(), 'weir-bench-redis-'));
  try {
    const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
      progress.start(`redis: ${label}`);
      const result = await run();
      progress.finish();
      return result;
    };
    await step(`filling a stream with ${n.toLocaleString('en')} bids`, () => fillStream(client, 'bids', n));
    const raw = await step('raw ioredis loop', () => rawLoop(client, 'bids', n));
    const w = await step('weir exactly-once', () => weir(redis.url, client, 'bids', n, dir));
    const b = await step('bullmq worker', () => bullmq(redis.port, bullN));
    const row = (name: string, rate: number, count: number): Measurement => ({ name, count, recordsPerSecond: rate, all: [rate], perCore: NaN, emitted: 0 });
    const rows = [row('raw ioredis XREAD loop (limit)', raw, n), row('weir exactly-once, ckpt 1 s', w, n), row('bullmq worker (concurrency 50)', b, bullN)];
    report('redis end to end: stream → keyed count → output', rows, rows[0]);
    console.log(`  weir / bullmq: ${(w / b).toFixed(1)}x`);
    const common = { experiment: 'redis', query: 'redis stream → keyed count', baseline: 'redis raw ioredis loop' };
    return [
      measuredCase({ ...common, case: 'redis raw ioredis loop', variant: 'loop', events: n, rounds: [raw], baselineRatio: 1, baseline: null }),
      measuredCase({ ...common, case: 'redis weir exactly-once, ckpt 1 s', variant: 'weir', events: n, rounds: [w], baselineRatio: w / raw, parallelism: 1, checkpointIntervalMs: 1000 }),
      measuredCase({ ...common, case: 'redis bullmq worker', variant: 'bullmq', events: bullN, rounds: [b], baselineRatio: b / raw, extra: { weirOverBullmq: w / b } }),
    ];
  } finally {
    client.disconnect();
    // Let clients that are closing (BullMQ's, the job's) finish before the server goes away.
    await new Promise((r) => setTimeout(r, 200));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
