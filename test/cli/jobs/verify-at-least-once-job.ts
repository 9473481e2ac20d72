/**
 * A deliberately broken job for `weir verify`: the same keyed count as verify-counts-job.ts, but
 * its sink appends every record to `out/part-<subtask>.jsonl` the moment it gets it, with no
 * transaction. After a kill the job restores its checkpoint and the source replays what came
 * after it: those records are appended a second time (at-least-once), and verify must say so.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { generatorSource, type Sink, type StreamEnvironment } from '@weir/core';
import { CountPerKey, keyedRecord, type Counted } from '../../support/keyed-count.ts';

/** Appends each record as a JSON line right away: visible before any checkpoint covers it. */
function appendingSink<T>(directory: string): Sink<T> {
  return {
    createWriter(ctx) {
      const file = `${directory}/part-${ctx.subtaskIndex}.jsonl`;
      return {
        open: () => void mkdirSync(directory, { recursive: true }),
        write: (value: T) => appendFileSync(file, `${JSON.stringify(value)}\n`),
      };
    },
  };
}

export default function job(env: StreamEnvironment): void {
  env.setParallelism(2);
  env.enableCheckpointing(100);
  env
    .fromSource(generatorSource({ count: Number(process.env.COUNT ?? '20000'), generate: keyedRecord(50), ratePerSecond: Number(process.env.RATE ?? '10000') }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .uid('count')
    .sinkTo(appendingSink<Counted>('out'))
    .uid('sink');
}
