/**
 * A job with both kinds of state, for the savepoint crash test: a process function numbers the
 * records of its subtask in operator list state changed in place (`list.get()[0].seq++`), then a
 * keyed count, then the exactly-once file sink. At parallelism P, generator split s (records
 * i ≡ s mod P) feeds subtask s of the numbering, so record i is the (i div P + 1)-th of its
 * subtask, and with KEYS a multiple of P it is the (i div KEYS + 1)-th of its key: the output
 * `{ k, n, i, seq }` is known in advance, record by record.
 *
 * Environment: OUT_DIR, COUNT, KEYS, RATE (records per second; unlimited when unset).
 */
import {
  ListStateDescriptor,
  fileSink,
  generatorSource,
  type Collector,
  type ListState,
  type ProcessFunction,
  type RuntimeContext,
  type StreamEnvironment,
} from '@weir/core';
import { CountPerKey, type Counted, type Keyed } from '../../support/keyed-count.ts';

export interface Numbered extends Counted {
  readonly seq: number;
}

class NumberInPlace implements ProcessFunction<Keyed, Keyed & { seq: number }> {
  counter!: ListState<{ seq: number }>;
  open(ctx: RuntimeContext): void {
    this.counter = ctx.getOperatorListState(new ListStateDescriptor<{ seq: number }>('counter'));
    if (this.counter.get().length === 0) this.counter.add({ seq: 0 });
  }
  processElement(value: Keyed, _ctx: RuntimeContext, out: Collector<Keyed & { seq: number }>): void {
    const c = this.counter.get()[0];
    c.seq++;
    out.collect({ ...value, seq: c.seq });
  }
}

/** Keeps the sequence number through the keyed count. */
class CountKeepingSeq extends CountPerKey {
  override processElement(value: Keyed & { seq: number }, ctx: Parameters<CountPerKey['processElement']>[1], out: Collector<Numbered>): void {
    super.processElement(value, ctx, { collect: (c) => out.collect({ ...c, seq: value.seq }) });
  }
}

export default function job(env: StreamEnvironment): void {
  const outDir = process.env.OUT_DIR;
  if (outDir === undefined) throw new Error('OUT_DIR is required');
  const keys = Number(process.env.KEYS ?? '50');
  const rate = process.env.RATE === undefined ? undefined : Number(process.env.RATE);
  env
    .fromSource(generatorSource({ count: Number(process.env.COUNT ?? '10000'), generate: (i): Keyed => ({ k: `k${i % keys}`, i }), ratePerSecond: rate }))
    .uid('source')
    .process(new NumberInPlace())
    .uid('number')
    .keyBy((r) => r.k)
    .process(new CountKeepingSeq())
    .uid('count')
    .sinkTo(fileSink<Numbered>({ directory: outDir }))
    .uid('sink');
}

/** The output of an uninterrupted run at parallelism `parallelism`, sorted by i. */
export function expectedNumbered(count: number, keys: number, parallelism: number): Numbered[] {
  return Array.from({ length: count }, (_, i) => ({ k: `k${i % keys}`, n: Math.floor(i / keys) + 1, i, seq: Math.floor(i / parallelism) + 1 }));
}
