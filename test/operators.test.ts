import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  collectSink,
  generatorSource,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StreamEnvironment,
  ValueStateDescriptor,
  type Collector,
  type KeyedContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ListState,
  type MapState,
  type ProcessFunction,
  type ReducingState,
  type RuntimeContext,
  type ValueState,
} from '@weir/core';

const environment = (parallelism = 1) => StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('map, filter and flatMap', () => {
  it('map emits fn(value) for every record, in order', async () => {
    const env = environment();
    const out = collectSink<string>();
    env.fromCollection([1, 2, 3]).map((x) => `#${x * 10}`).sinkTo(out);
    await env.execute();
    expect(out.values).toEqual(['#10', '#20', '#30']);
  });

  it('filter keeps exactly the records the predicate accepts', async () => {
    const env = environment();
    const out = collectSink<number>();
    env.fromCollection(range(10)).filter((x) => x % 3 === 0).sinkTo(out);
    await env.execute();
    expect(out.values).toEqual([0, 3, 6, 9]);
  });

  it('flatMap emits zero or more records per input', async () => {
    const env = environment();
    const out = collectSink<number>();
    env
      .fromCollection([0, 1, 2, 3])
      .flatMap<number>((n, o) => {
        for (let i = 0; i < n; i++) o.collect(n);
      })
      .sinkTo(out);
    await env.execute();
    expect(out.values).toEqual([1, 2, 2, 3, 3, 3]);
  });
});

describe('process', () => {
  class TagBySubtask implements ProcessFunction<number, string> {
    static opened: number[] = [];
    static closed = 0;
    tag: string | undefined;

    open(ctx: RuntimeContext): void {
      TagBySubtask.opened.push(ctx.subtaskIndex);
      this.tag = `s${ctx.subtaskIndex}/${ctx.parallelism}`;
    }

    processElement(value: number, ctx: RuntimeContext, out: Collector<string>): void {
      out.collect(`${this.tag}:${ctx.subtaskIndex}:${value}`);
    }

    close(): void {
      TagBySubtask.closed++;
    }
  }

  it('opens once per subtask, each with its own copy of the function object', async () => {
    const env = environment(3);
    const out = collectSink<string>();
    const fn = new TagBySubtask();
    env.fromCollection(range(30)).rebalance().process(fn).sinkTo(out);
    await env.execute();

    expect([...TagBySubtask.opened].sort()).toEqual([0, 1, 2]);
    expect(TagBySubtask.closed).toBe(3);
    // The object passed in is never opened itself: each subtask works on a copy.
    expect(fn.tag).toBeUndefined();
    expect(out.values).toHaveLength(30);
    out.bySubtask.forEach((records, s) => {
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) expect(r.startsWith(`s${s}/3:${s}:`)).toBe(true);
    });
  });
});

describe('union and partitioning', () => {
  it('union merges every record of every input', async () => {
    const env = environment();
    const out = collectSink<number>();
    const a = env.fromCollection([1, 2, 3]);
    const b = env.fromCollection([10, 20]);
    const c = env.fromCollection([100]);
    a.union(b, c).sinkTo(out);
    await env.execute();
    expect([...out.values].sort((x, y) => x - y)).toEqual([1, 2, 3, 10, 20, 100]);
  });

  it('rebalance deals the records of one subtask round-robin over the next operator', async () => {
    const env = environment(3);
    const out = collectSink<number>();
    env.fromCollection(range(30)).rebalance().map((x) => x).sinkTo(out);
    await env.execute();
    expect(out.bySubtask).toEqual([0, 1, 2].map((s) => range(10).map((i) => i * 3 + s)));
  });

  it('broadcast sends every record to each of the p subtasks', async () => {
    const env = environment(3);
    const out = collectSink<number>();
    env.fromCollection([1, 2, 3, 4, 5]).broadcast().sinkTo(out);
    await env.execute();
    expect(out.bySubtask).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ]);
  });

  it('forward connects subtask i to subtask i across a channel', async () => {
    const env = environment(3);
    const out = collectSink<number>();
    // Generator subtask s produces the indices ≡ s (mod 3); disableChaining puts a channel after it.
    env
      .fromSource(generatorSource({ count: 300, generate: (i) => i }))
      .forward()
      .map((x) => x)
      .disableChaining()
      .sinkTo(out);
    await env.execute();
    out.bySubtask.forEach((records, s) => {
      expect(records).toEqual(range(100).map((i) => i * 3 + s));
    });
  });
});

describe('reduce', () => {
  it('is a rolling reduce per key that emits the accumulated value after each record', async () => {
    const env = environment();
    const out = collectSink<{ word: string; n: number }>();
    env
      .fromCollection(['a', 'b', 'a', 'a', 'b', 'c'])
      .map((word) => ({ word, n: 1 }))
      .keyBy((c) => c.word)
      .reduce((acc, c) => ({ word: acc.word, n: acc.n + c.n }))
      .sinkTo(out);
    await env.execute();
    expect(out.values).toEqual([
      { word: 'a', n: 1 },
      { word: 'b', n: 1 },
      { word: 'a', n: 2 },
      { word: 'a', n: 3 },
      { word: 'b', n: 2 },
      { word: 'c', n: 1 },
    ]);
  });
});

interface Snapshot {
  readonly key: string;
  readonly count: number;
  readonly values: readonly number[];
  readonly distinctParities: number;
  readonly sum: number;
}

/** Uses each kind of keyed state; emits what it holds for the current key after every record. */
class AllStates implements KeyedProcessFunction<string, { key: string; value: number }, Snapshot> {
  count!: ValueState<number>;
  values!: ListState<number>;
  parities!: MapState<number, number>;
  sum!: ReducingState<number>;

  open(ctx: KeyedRuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', 0));
    this.values = ctx.getListState(new ListStateDescriptor<number>('values'));
    this.parities = ctx.getMapState(new MapStateDescriptor<number, number>('parities'));
    this.sum = ctx.getReducingState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b));
  }

  processElement(record: { key: string; value: number }, ctx: KeyedContext<string>, out: Collector<Snapshot>): void {
    const count = (this.count.value() ?? 0) + 1;
    this.count.update(count);
    this.values.add(record.value);
    const parity = record.value % 2;
    this.parities.put(parity, (this.parities.get(parity) ?? 0) + 1);
    this.sum.add(record.value);
    out.collect({
      key: ctx.getCurrentKey(),
      count,
      values: [...this.values.get()],
      distinctParities: [...this.parities.keys()].length,
      sum: this.sum.get()!,
    });
  }
}

describe('KeyedStream.process', () => {
  it('keeps Value, List, Map and Reducing state per key, and counts per key correctly', async () => {
    const env = environment(2);
    const out = collectSink<Snapshot>();
    const keyOf = (i: number) => `k${(i * 7) % 11}`;
    env
      .fromSource(generatorSource({ count: 440, generate: (i) => ({ key: keyOf(i), value: i }) }))
      .keyBy((r) => r.key)
      .process(new AllStates())
      .sinkTo(out);
    await env.execute();

    const expected = new Map<string, number[]>();
    for (const i of range(440)) (expected.get(keyOf(i)) ?? expected.set(keyOf(i), []).get(keyOf(i))!).push(i);
    const last = new Map<string, Snapshot>();
    for (const s of out.values) if ((last.get(s.key)?.count ?? 0) < s.count) last.set(s.key, s);

    expect(out.values).toHaveLength(440);
    expect(last.size).toBe(11);
    for (const [key, values] of expected) {
      const s = last.get(key)!;
      expect(s.count).toBe(values.length);
      // Scoped per key: the list holds this key's values only.
      expect([...s.values].sort((a, b) => a - b)).toEqual(values);
      expect(s.distinctParities).toBe(new Set(values.map((v) => v % 2)).size);
      expect(s.sum).toBe(values.reduce((a, b) => a + b, 0));
    }
  });

  it('starts every new key from the state descriptors’ defaults', async () => {
    const env = environment();
    const out = collectSink<Snapshot>();
    env
      .fromCollection(['x', 'y', 'x', 'z'].map((key, value) => ({ key, value })))
      .keyBy((r) => r.key)
      .process(new AllStates())
      .sinkTo(out);
    await env.execute();
    expect(out.values.map((s) => [s.key, s.count, s.values, s.sum])).toEqual([
      ['x', 1, [0], 0],
      ['y', 1, [1], 1],
      ['x', 2, [0, 2], 2],
      ['z', 1, [3], 3],
    ]);
  });
});

describe('sources', () => {
  it('fromCollection preserves order at parallelism 1, across polls, batches and a channel', async () => {
    const env = environment();
    const out = collectSink<number>();
    const items = range(5_000).map((i) => (i * 7919) % 5_003);
    env.setBatchSize(100);
    env.fromCollection(items).map((x) => x).disableChaining().sinkTo(out);
    await env.execute();
    expect(out.values).toEqual(items);
  });

  it('generatorSource emits generate(i) for i below count, each index exactly once at parallelism 3', async () => {
    const env = environment(3);
    const out = collectSink<{ i: number; square: number }>();
    const generate = (i: number) => ({ i, square: i * i });
    env.fromSource(generatorSource({ count: 2_000, generate })).sinkTo(out);
    await env.execute();

    expect(out.values).toHaveLength(2_000);
    const sorted = [...out.values].sort((a, b) => a.i - b.i);
    expect(sorted).toEqual(range(2_000).map(generate));
    // Each subtask produced its own residue class, in index order.
    out.bySubtask.forEach((records, s) => {
      expect(records.map((r) => r.i)).toEqual(range(2_000).filter((i) => i % 3 === s));
    });
  });

  it('generatorSource with count 0 emits nothing and finishes', async () => {
    const env = environment(2);
    const out = collectSink<number>();
    env.fromSource(generatorSource({ count: 0, generate: (i) => i })).sinkTo(out);
    const result = await env.execute();
    expect(result.status).toBe('finished');
    expect(out.values).toEqual([]);
  });
});
