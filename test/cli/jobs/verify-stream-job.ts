/**
 * A job for `weir verify --output-stream`: the keyed count of verify-counts-job.ts written to the
 * Redis stream OUT_STREAM at OUT_REDIS, exactly once unless AT_LEAST_ONCE=1 (then in batches of 50 as
 * they come, and a kill writes the records since the last checkpoint again).
 */
import { generatorSource, type StreamEnvironment } from '@weir/core';
import { redisStreamSink } from '@weir/redis';
import { CountPerKey, keyedRecord, requiredEnv, type Counted } from '../../support/keyed-count.ts';

export default function job(env: StreamEnvironment): void {
  env.setParallelism(2);
  env.enableCheckpointing(100);
  env
    .fromSource(generatorSource({ count: Number(process.env.COUNT ?? '20000'), generate: keyedRecord(50), ratePerSecond: Number(process.env.RATE ?? '10000') }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .uid('count')
    .sinkTo(
      process.env.AT_LEAST_ONCE === '1'
        ? redisStreamSink<Counted>({ redis: requiredEnv('OUT_REDIS'), stream: requiredEnv('OUT_STREAM'), batchSize: 50 })
        : redisStreamSink<Counted>({ redis: requiredEnv('OUT_REDIS'), stream: requiredEnv('OUT_STREAM'), exactlyOnce: true }),
    )
    .uid('sink');
}
