import { describe, expectTypeOf, it } from 'vitest';
import {
  collectSink,
  generatorSource,
  StreamEnvironment,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type DataStreamSink,
  type KeyedContext,
  type KeyedStream,
  type RuntimeContext,
  type Sink,
  type ValueState,
} from '@weir/core';

declare const env: StreamEnvironment;
declare const numbers: DataStream<number>;
declare const words: DataStream<string>;

interface Click {
  readonly user: string;
  readonly page: string;
}
declare const clicks: DataStream<Click>;

describe('types flow through the chain', () => {
  it('types sources by their elements', () => {
    expectTypeOf(env.fromCollection([1, 2, 3])).toEqualTypeOf<DataStream<number>>();
    expectTypeOf(env.fromSource(generatorSource({ count: 3, generate: (i) => ({ id: i }) }))).toEqualTypeOf<DataStream<{ id: number }>>();
  });

  it('map on DataStream<A> with A => B gives DataStream<B>', () => {
    expectTypeOf(numbers.map((n) => `#${n}`)).toEqualTypeOf<DataStream<string>>();
    expectTypeOf(clicks.map((c) => c.page.length)).toEqualTypeOf<DataStream<number>>();
  });

  it('filter keeps the type, flatMap takes it from the type argument or the collector', () => {
    expectTypeOf(words.filter((w) => w.length > 2)).toEqualTypeOf<DataStream<string>>();
    expectTypeOf(words.flatMap<string>((line, out) => line.split(' ').forEach((w) => out.collect(w)))).toEqualTypeOf<DataStream<string>>();
    expectTypeOf(words.flatMap((w, out: Collector<number>) => out.collect(w.length))).toEqualTypeOf<DataStream<number>>();
  });

  it('keyBy gives KeyedStream<K, T> with K from the selector', () => {
    expectTypeOf(clicks.keyBy((c) => c.user)).toEqualTypeOf<KeyedStream<string, Click>>();
    expectTypeOf(numbers.keyBy((n) => n % 10)).toEqualTypeOf<KeyedStream<number, number>>();
    expectTypeOf(numbers.keyBy((n) => BigInt(n))).toEqualTypeOf<KeyedStream<bigint, number>>();
    expectTypeOf(numbers.keyBy((n) => n > 0)).toEqualTypeOf<KeyedStream<boolean, number>>();
  });

  it('reduce keeps T', () => {
    const counts = clicks.map((c) => ({ user: c.user, n: 1 })).keyBy((c) => c.user);
    expectTypeOf(counts.reduce((a, b) => ({ user: a.user, n: a.n + b.n }))).toEqualTypeOf<DataStream<{ user: string; n: number }>>();
  });

  it('gives a keyed process function the key type and its output type', () => {
    const out = clicks.keyBy((c) => c.user).process({
      open(ctx) {
        expectTypeOf(ctx.getState(new ValueStateDescriptor('count', 0))).toEqualTypeOf<ValueState<number>>();
      },
      processElement(click, ctx, collector: Collector<[string, number]>) {
        expectTypeOf(click).toEqualTypeOf<Click>();
        expectTypeOf(ctx).toEqualTypeOf<KeyedContext<string>>();
        expectTypeOf(ctx.getCurrentKey()).toEqualTypeOf<string>();
        collector.collect([ctx.getCurrentKey(), 1]);
      },
    });
    expectTypeOf(out).toEqualTypeOf<DataStream<[string, number]>>();
  });

  it('gives a process function the runtime context', () => {
    const out = numbers.process({
      processElement(n, ctx, collector: Collector<string>) {
        expectTypeOf(n).toEqualTypeOf<number>();
        expectTypeOf(ctx).toEqualTypeOf<RuntimeContext>();
        collector.collect(String(n));
      },
    });
    expectTypeOf(out).toEqualTypeOf<DataStream<string>>();
  });

  it('keeps the type through partitioning, union and configuration', () => {
    expectTypeOf(numbers.rebalance().broadcast().forward()).toEqualTypeOf<DataStream<number>>();
    expectTypeOf(numbers.union(numbers, numbers)).toEqualTypeOf<DataStream<number>>();
    expectTypeOf(numbers.map((n) => n).name('x').uid('y').setParallelism(2).disableChaining()).toEqualTypeOf<DataStream<number>>();
    expectTypeOf(clicks.keyBy((c) => c.user).name('k')).toEqualTypeOf<KeyedStream<string, Click>>();
  });

  it('ends in a DataStreamSink of the stream type', () => {
    expectTypeOf(words.sinkTo(collectSink<string>())).toEqualTypeOf<DataStreamSink<string>>();
    expectTypeOf(collectSink<string>().values).toEqualTypeOf<string[]>();
  });
});

describe('calls that must not compile', () => {
  it('rejects reduce on a DataStream that is not keyed', () => {
    // @ts-expect-error reduce exists only on KeyedStream: call keyBy first
    numbers.reduce((a: number, b: number) => a + b);
  });

  it('rejects a key selector that returns an object', () => {
    // @ts-expect-error keys must be string, number, bigint or boolean
    clicks.keyBy((c) => ({ user: c.user }));
    // @ts-expect-error null is not a key either
    clicks.keyBy(() => null);
  });

  it('rejects a sink of another type', () => {
    const sink: Sink<number> = collectSink<number>();
    // @ts-expect-error a Sink<number> cannot take a DataStream<string>
    words.sinkTo(sink);
  });

  it('rejects a map function with the wrong parameter type', () => {
    // @ts-expect-error the stream carries numbers, not strings
    numbers.map((s: string) => s.length);
    // @ts-expect-error filter must return a boolean
    numbers.filter((n) => n);
  });

  it('rejects union with a stream of another type', () => {
    // @ts-expect-error union needs streams of the same type
    numbers.union(words);
  });

  it('rejects using a record as something it is not', () => {
    // @ts-expect-error a Click has no field 'url'
    clicks.map((c) => c.url);
  });
});
