/**
 * The job the crash tests kill: a deterministic generator → keyBy → a keyed count in ValueState →
 * the exactly-once file sink. Record i has key `k<i mod KEYS>`; the output record for i is
 * `{ k, n, i }` where n is how many records of key k came up to and including i, so the whole
 * expected output is known in advance, record by record.
 *
 * Configured by environment: CK_DIR, OUT_DIR, COUNT, KEYS, RATE, PARALLELISM, INTERVAL, CK_MODE.
 */
import {
  StreamEnvironment,
  ValueStateDescriptor,
  fileSink,
  generatorSource,
  type Collector,
  type KeyedContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ValueState,
} from '@weir/core';
import { pino } from 'pino';

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

interface Out {
  k: string;
  n: number;
  i: number;
}

class CountPerKey implements KeyedProcessFunction<string, { k: string; i: number }, Out> {
  count!: ValueState<number>;
  open(ctx: KeyedRuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(value: { k: string; i: number }, ctx: KeyedContext<string>, out: Collector<Out>): void {
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    out.collect({ k: ctx.getCurrentKey(), n, i: value.i });
  }
}

const keys = Number(env('KEYS', '100'));
const e = StreamEnvironment.create({
  parallelism: Number(env('PARALLELISM', '1')),
  logger: pino({ level: process.env.WEIR_LOG_LEVEL ?? 'info' }, pino.destination(2)),
});
e.enableCheckpointing(Number(env('INTERVAL', '100')), {
  storage: env('CK_DIR'),
  mode: env('CK_MODE', 'exactly-once') as 'exactly-once' | 'at-least-once',
  retained: 2,
  tolerableFailures: 1000,
});
e.fromSource(
  generatorSource({
    count: Number(env('COUNT')),
    generate: (i) => ({ k: `k${i % keys}`, i }),
    ratePerSecond: Number(env('RATE', '20000')),
  }),
)
  .uid('source')
  .keyBy((r) => r.k)
  .process(new CountPerKey())
  .uid('count')
  .sinkTo(fileSink<Out>({ directory: env('OUT_DIR') }))
  .uid('sink');
await e.execute('keyed-count');
