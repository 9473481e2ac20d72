/**
 * `assignTimestampsAndWatermarks` in whole jobs: event time made mid-stream from parsed records,
 * upstream event time replaced rather than combined, and several subtasks each with a generator.
 */
import { describe, expect, it } from 'vitest';
import { collectionSource, collectSink, generatorSource, OutputTag, tumblingEventTime, watermarks, type DeadLetter } from '@weir/core';
import { configError } from '../support/config-error.ts';
import { byKeyAndStart, count, environment, ev, everyRecord, withWindow, type Counted, type Ev } from './event-time-support.ts';

describe('assignTimestampsAndWatermarks', () => {
  it('gives parsed records event time: windows count them, and records beyond the bound go to the late output', async () => {
    const env = environment();
    const out = collectSink<Counted>();
    const lateOut = collectSink<Ev>();
    const late = new OutputTag<Ev>('late');
    // As in windows.test.ts, but the source has no strategy: the time is known once the line is parsed.
    const input = [ev('a', 1), ev('a', 10), ev('a', 7), ev('b', 3), ev('a', 20), ev('a', 8), ev('a', 16), ev('b', 12), ev('a', 29)];
    const counts = env
      .fromSource(collectionSource(input.map((e) => JSON.stringify(e))))
      .map((line) => JSON.parse(line) as Ev)
      .assignTimestampsAndWatermarks(everyRecord<Ev>((e) => e.t, 5))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10 }))
      .sideOutputLateData(late)
      .aggregate(count, withWindow);
    counts.sinkTo(out);
    counts.getSideOutput(late).sinkTo(lateOut);
    await env.execute();
    expect([...out.values].sort(byKeyAndStart)).toEqual([
      { k: 'a', start: 0, n: 2 },
      { k: 'a', start: 10, n: 2 },
      { k: 'a', start: 20, n: 2 },
      { k: 'b', start: 0, n: 1 },
      { k: 'b', start: 10, n: 1 },
    ]);
    expect(lateOut.values).toEqual([ev('a', 8)]);
  });

  it("replaces the source's event time: its watermarks, on another scale, make nothing late", async () => {
    const env = environment();
    const out = collectSink<Counted>();
    const lateOut = collectSink<Ev>();
    const late = new OutputTag<Ev>('late');
    // The source's time is the record's index in seconds since the epoch scale: its watermarks run
    // far ahead of the `t` field. Were they passed on, every window of `t` would already be over.
    const counts = env
      .fromSource(
        generatorSource({ count: 300, generate: (i) => ev(`k${i % 3}`, i) }),
        everyRecord<Ev>((e) => 1_700_000_000_000 + e.t * 1000),
      )
      .assignTimestampsAndWatermarks(everyRecord<Ev>((e) => e.t))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 100 }))
      .sideOutputLateData(late)
      .aggregate(count, withWindow);
    counts.sinkTo(out);
    counts.getSideOutput(late).sinkTo(lateOut);
    await env.execute();
    expect(lateOut.values).toEqual([]);
    expect([...out.values].sort(byKeyAndStart)).toEqual(
      ['k0', 'k1', 'k2'].flatMap((k) => [0, 100, 200].map((start) => ({ k, start, n: counted(k, start) }))),
    );
  });

  it("lets the assigner use the source's timestamp (its second argument)", async () => {
    const env = environment();
    const out = collectSink<Counted>();
    env
      .fromSource(
        collectionSource([ev('a', 10), ev('a', 20), ev('a', 35)]),
        everyRecord<Ev>((e) => e.t * 10),
      )
      .assignTimestampsAndWatermarks(everyRecord<Ev>((_e, upstream) => upstream / 10))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 30 }))
      .aggregate(count, withWindow)
      .sinkTo(out);
    await env.execute();
    expect([...out.values].sort(byKeyAndStart)).toEqual([
      { k: 'a', start: 0, n: 2 },
      { k: 'a', start: 30, n: 1 },
    ]);
  });

  it('runs a generator per subtask: at parallelism 2 every window still fires once, with every record', async () => {
    const env = environment(2);
    const out = collectSink<Counted>();
    // Periodic watermarks (bound 50) from each subtask of the assigner; the window's subtasks take
    // the minimum over both. One source subtask, rebalanced: each assigner subtask gets every other
    // record, in increasing time, so none is late however often the watermarks are emitted.
    env
      .fromSource(generatorSource({ count: 4000, generate: (i) => ev(`k${i % 5}`, i) }))
      .setParallelism(1)
      .rebalance()
      .assignTimestampsAndWatermarks(watermarks.boundedOutOfOrderness<Ev>((e) => e.t, 50))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 1000 }))
      .aggregate(count, withWindow)
      .sinkTo(out);
    await env.execute();
    expect([...out.values].sort(byKeyAndStart)).toEqual(
      ['k0', 'k1', 'k2', 'k3', 'k4'].flatMap((k) => [0, 1000, 2000, 3000].map((start) => ({ k, start, n: 200 }))),
    );
  });

  it('leaves the time of another branch of the same record alone', async () => {
    // The source's records have time t*1000 and its watermarks follow it. One branch reassigns the
    // time; the other, chained to the same source, must still window by the source's time.
    const env = environment();
    const bySource = collectSink<Counted>();
    const byField = collectSink<Counted>();
    const source = env.fromSource(
      generatorSource({ count: 30, generate: (i) => ev('k', i) }),
      everyRecord<Ev>((e) => e.t * 1000),
    );
    source
      .assignTimestampsAndWatermarks(everyRecord<Ev>((e) => e.t))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10 }))
      .aggregate(count, withWindow)
      .sinkTo(byField);
    source
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10_000 }))
      .aggregate(count, withWindow)
      .sinkTo(bySource);
    await env.execute();
    const tens = (size: number) => [0, 1, 2].map((w) => ({ k: 'k', start: w * size, n: 10 }));
    expect([...byField.values].sort(byKeyAndStart)).toEqual(tens(10));
    expect([...bySource.values].sort(byKeyAndStart)).toEqual(tens(10_000));
  });

  it('dead-letters a record whose time cannot be read, under onError, and goes on', async () => {
    const env = environment();
    const out = collectSink<Counted>();
    const letters: DeadLetter[] = [];
    env
      .fromSource(collectionSource(['{"k":"a","t":1}', '{"k":"a","t":"soon"}', '{"k":"a","t":2}']))
      .map((line) => JSON.parse(line) as { k: string; t: unknown })
      .assignTimestampsAndWatermarks(
        everyRecord<{ k: string; t: unknown }>((e) => {
          if (typeof e.t !== 'number') throw new TypeError(`t is not a number: ${String(e.t)}`);
          return e.t;
        }),
      )
      .uid('times')
      .onError({ deadLetter: { send: (l: DeadLetter) => void letters.push(l) }, attempts: 1 })
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10 }))
      .aggregate(count, withWindow)
      .sinkTo(out);
    await env.execute();
    expect(out.values).toEqual([{ k: 'a', start: 0, n: 2 }]);
    expect(letters.map((l) => [l.payload, l.operator, l.error])).toEqual([[{ k: 'a', t: 'soon' }, 'times', 'TypeError: t is not a number: soon']]);
  });

  it('runs at the parallelism of its input, chained to it, unless partitioned or set', async () => {
    const env = environment(2);
    const plainOut = collectSink<Ev>();
    const source = env.fromSource(collectionSource([ev('a', 1)])); // a collection: parallelism 1
    source.assignTimestampsAndWatermarks(everyRecord<Ev>((e) => e.t)).sinkTo(plainOut).setParallelism(1);
    source.rebalance().assignTimestampsAndWatermarks(everyRecord<Ev>((e) => e.t)).name('rebalanced').sinkTo(collectSink<Ev>());
    source.assignTimestampsAndWatermarks(everyRecord<Ev>((e) => e.t)).name('set').setParallelism(3).sinkTo(collectSink<Ev>());
    const client = env.executeAsync();
    const plan = client.plan();
    await client.result;
    const task = (name: string) => plan.find((t) => t.operators.some((op) => op.name === name))!;
    expect(task('Timestamps/Watermarks').operators.map((op) => op.name)).toEqual(['Source', 'Timestamps/Watermarks', 'Sink']);
    expect(task('rebalanced').parallelism).toBe(2);
    expect(task('set').parallelism).toBe(3);
    expect(plainOut.values).toEqual([ev('a', 1)]);
  });

  it('refuses what is not a watermark strategy, naming the option', () => {
    const env = environment();
    const stream = env.fromSource(collectionSource([ev('a', 1)]));
    const e = configError(() => stream.assignTimestampsAndWatermarks({ timestamp: (x: Ev) => x.t } as never));
    expect(e.option).toBe('strategy');
    expect(e.message).toMatch(/'strategy' must be a WatermarkStrategy .*got object/);
  });
});

/** Records of key `k` with `t` in [start, start + 100) among t = 0..299, key `k${t % 3}`. */
function counted(k: string, start: number): number {
  let n = 0;
  for (let t = start; t < start + 100; t++) if (`k${t % 3}` === k) n++;
  return n;
}
