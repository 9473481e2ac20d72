/**
 * The job `weir verify` checks in its tests: a deterministic generator → keyBy → a keyed count in
 * ValueState → the exactly-once file sink, writing part files to the relative directory
 * `out/counts` (each verify run works in its own directory). COUNT records (default 20 000) at
 * RATE per second (default 10 000), parallelism 2, a checkpoint every 100 ms.
 */
import { fileSink, generatorSource, type StreamEnvironment } from '@weir/core';
import { CountPerKey, keyedRecord, type Counted } from '../../support/keyed-count.ts';

export default function job(env: StreamEnvironment): void {
  env.setParallelism(2);
  env.enableCheckpointing(100);
  env
    .fromSource(generatorSource({ count: Number(process.env.COUNT ?? '20000'), generate: keyedRecord(50), ratePerSecond: Number(process.env.RATE ?? '10000') }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .uid('count')
    .sinkTo(fileSink<Counted>({ directory: 'out/counts' }))
    .uid('sink');
}
