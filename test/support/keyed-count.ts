/**
 * The keyed count that the checkpointing and crash tests run: record `i` of key `k` comes out as
 * `{ k, n, i }`, `n` being how many records of `k` came up to and including `i`, so every output
 * record can be checked against a formula. Plain module (no test runner): child jobs import it too.
 */
import {
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ValueState,
} from '@weir/core';

/** Input of the keyed count: record `i` of key `k`. */
export interface Keyed {
  readonly k: string;
  readonly i: number;
}

/** Output of the keyed count: record `i` was the `n`-th of key `k`. */
export interface Counted {
  readonly k: string;
  readonly n: number;
  readonly i: number;
}

/** Record `i` of `keys` keys: key `k<i mod keys>`. */
export const keyedRecord = (keys: number) => (i: number): Keyed => ({ k: `k${i % keys}`, i });

/**
 * Counts records per key in ValueState and emits `{ k, n, i }`. With `payload` it also keeps a
 * string per key, so that the keyed state of a few thousand keys outgrows the 20 KB inline limit;
 * with `workUs` it spends that long per record, so that a backlog builds up behind it.
 */
export class CountPerKey implements KeyedProcessFunction<string, Keyed, Counted> {
  count!: ValueState<number>;
  text!: ValueState<string>;
  constructor(
    readonly payload = 0,
    readonly workUs = 0,
  ) {}
  open(ctx: KeyedRuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count', 0));
    this.text = ctx.getState(new ValueStateDescriptor<string>('text', ''));
  }
  processElement(value: Keyed, ctx: KeyedContext<string>, out: Collector<Counted>): void {
    if (this.workUs > 0) for (const end = performance.now() + this.workUs / 1000; performance.now() < end; );
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    if (this.payload > 0) this.text.update(`${value.k}:${n}:`.padEnd(this.payload, '.'));
    out.collect({ k: ctx.getCurrentKey(), n, i: value.i });
  }
}


/**
 * The whole output of an uninterrupted keyed count over records `0..count-1` with `keys` keys,
 * in record order: record `i` of key `k<i mod keys>` is the `n`-th of its key.
 */
export function expectedCounts(count: number, keys: number): Counted[] {
  const seen = new Map<string, number>();
  const out: Counted[] = [];
  for (let i = 0; i < count; i++) {
    const k = `k${i % keys}`;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    out.push({ k, n, i });
  }
  return out;
}

/** A counted record as one comparable string, `k:n:i`. */
export const countedKey = (c: Counted): string => `${c.k}:${c.n}:${c.i}`;

/** An environment variable a child job needs: its value, the fallback, or a clear error. */
export function requiredEnv(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
}
