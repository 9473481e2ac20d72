/**
 * The job the CLI tests run with `weir run`: a deterministic generator → keyBy → a keyed count in
 * ValueState → the exactly-once file sink. Record i has key `k<i mod KEYS>`; its output is
 * `{ k, n, i }`, n being how many records of key k came up to and including i, so the whole output
 * is known in advance, record by record. With KEYS a multiple of the first run's parallelism, every
 * key comes from one source split, so n does not depend on timing, not even after a rescale.
 *
 * No checkpointing here: the command line turns it on, unless REDIS_CHECKPOINTS (a Redis URL)
 * asks for checkpoints in Redis. Environment: OUT_DIR, COUNT, KEYS, RATE (records per second;
 * unlimited when unset).
 */
import { fileSink, generatorSource, type StreamEnvironment } from '@weir/core';
import { RedisCheckpointStorage } from '@weir/redis';
import { CountPerKey, expectedCounts, type Counted } from '../../support/keyed-count.ts';

export type Out = Counted;

export default function job(env: StreamEnvironment): void {
  const outDir = process.env.OUT_DIR;
  if (outDir === undefined) throw new Error('OUT_DIR is required');
  const keys = Number(process.env.KEYS ?? '50');
  const rate = process.env.RATE === undefined ? undefined : Number(process.env.RATE);
  const redis = process.env.REDIS_CHECKPOINTS;
  if (redis !== undefined) env.enableCheckpointing(50, { storage: new RedisCheckpointStorage({ redis, jobName: 'gen' }) });
  env
    .fromSource(generatorSource({ count: Number(process.env.COUNT ?? '10000'), generate: (i) => ({ k: `k${i % keys}`, i }), ratePerSecond: rate }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .uid('count')
    .sinkTo(fileSink<Out>({ directory: outDir }))
    .uid('sink');
}

/** The output of an uninterrupted run, computed, sorted by i. */
export const expectedOutput = expectedCounts;
