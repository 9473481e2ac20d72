/**
 * Windows in whole jobs: event time from a watermark strategy, records out of order within the
 * bound and beyond it, sessions across subtasks, windowAll, and +∞ at the end of bounded input.
 */
import { describe, expect, it } from 'vitest';
import {
  collectionSource,
  collectSink,
  eventTimeSessions,
  generatorSource,
  OutputTag,
  slidingEventTime,
  tumblingEventTime,
  watermarks,
  type Collector,
} from '@weir/core';
import { byKeyAndStart, count, environment, ev, everyRecord, withWindow, type Counted, type Ev } from './event-time-support.ts';

describe('an event-time tumbling count in a job', () => {
  it('counts records out of order within the bound, and sends those beyond it to the side output', async () => {
    const env = environment();
    const out = collectSink<Counted>();
    const lateOut = collectSink<Ev>();
    const late = new OutputTag<Ev>('late');
    // Bound 5: a@7 after a@10 is on time (watermark 4); a@8 after a@20 is not (watermark 14, [0,10) fired).
    const input = [ev('a', 1), ev('a', 10), ev('a', 7), ev('b', 3), ev('a', 20), ev('a', 8), ev('a', 16), ev('b', 12), ev('a', 29)];
    const counts = env
      .fromSource(collectionSource(input), everyRecord<Ev>((e) => e.t, 5))
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

  it('fires every window at the end of bounded input, before the job ends', async () => {
    const env = environment(2);
    const out = collectSink<Counted>();
    env
      .fromSource(
        generatorSource({ count: 1000, generate: (i) => ev(`k${i % 7}`, i) }),
        watermarks.boundedOutOfOrderness<Ev>((e) => e.t, 0),
      )
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 100 }))
      .aggregate(count, withWindow)
      .sinkTo(out);
    await env.execute();
    expect(out.values.length).toBe(70);
    expect(out.values.reduce((s, c) => s + c.n, 0)).toBe(1000);
    for (const c of out.values) {
      const expected = Array.from({ length: 100 }, (_, j) => c.start + j).filter((i) => `k${i % 7}` === c.k).length;
      expect(c.n, `${c.k} ${c.start}`).toBe(expected);
    }
  });

  it('emits with the window end as the time, so a second window downstream can use it', async () => {
    const env = environment();
    const out = collectSink<[number, number]>();
    env
      .fromSource(collectionSource([1, 2, 11, 12, 13, 25].map((t) => ev(`k${t % 2}`, t))), everyRecord<Ev>((e) => e.t))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10 }))
      .aggregate(count)
      .windowAll(tumblingEventTime({ size: 20 }))
      .process({ process: (ctx, counts, o: Collector<[number, number]>) => o.collect([ctx.window.start, counts.reduce((a, b) => a + b, 0)]) })
      .sinkTo(out);
    await env.execute();
    expect(out.values).toEqual([
      [0, 5],
      [20, 1],
    ]);
  });
});

describe('a sliding count in a job', () => {
  it('counts each record in every window that holds it', async () => {
    const env = environment(2);
    const out = collectSink<Counted>();
    env
      .fromSource(generatorSource({ count: 200, generate: (i) => ev(`k${i % 3}`, i * 5) }), watermarks.monotonous<Ev>((e) => e.t))
      .keyBy((e) => e.k)
      .window(slidingEventTime({ size: 100, slide: 50 }))
      .aggregate(count, withWindow)
      .sinkTo(out);
    await env.execute();
    // Every record is in 2 windows.
    expect(out.values.reduce((s, c) => s + c.n, 0)).toBe(400);
    const k0 = out.values.filter((c) => c.k === 'k0').sort(byKeyAndStart);
    expect(k0[0]).toEqual({ k: 'k0', start: -50, n: 4 }); // t = 0, 15, 30, 45
    expect(k0[1]).toEqual({ k: 'k0', start: 0, n: 7 }); // t = 0 … 90
  });
});

describe('session windows in a job', () => {
  it('merge records of a key until a gap, across subtasks', async () => {
    const env = environment(2);
    const out = collectSink<string>();
    // Per key: bursts of 5 records 10 ms apart, bursts 1000 ms apart.
    const input = Array.from({ length: 60 }, (_, i) => ev(`u${i % 3}`, Math.floor(i / 15) * 1000 + (i % 15) * 10));
    env
      .fromSource(collectionSource(input), everyRecord<Ev>((e) => e.t, 100))
      .keyBy((e) => e.k)
      .window(eventTimeSessions({ gap: 100 }))
      .process<string>({ process: (k, ctx, events, o) => o.collect(`${k} ${ctx.window.start}-${ctx.window.end} ${events.length}`) })
      .setParallelism(2)
      .sinkTo(out);
    await env.execute();
    const expected = [];
    for (let burst = 0; burst < 4; burst++) {
      for (let u = 0; u < 3; u++) expected.push(`u${u} ${burst * 1000 + u * 10}-${burst * 1000 + (12 + u) * 10 + 100} 5`);
    }
    expect([...out.values].sort()).toEqual(expected.sort());
  });
});

describe('reduce over windows', () => {
  it('folds records as they come and emits the value', async () => {
    const env = environment();
    const out = collectSink<Ev>();
    env
      .fromSource(collectionSource([ev('a', 1, 2), ev('a', 2, 3), ev('a', 11, 4)]), everyRecord<Ev>((e) => e.t))
      .keyBy((e) => e.k)
      .window(tumblingEventTime({ size: 10 }))
      .reduce((x, y) => ({ k: x.k, t: Math.max(x.t, y.t), v: x.v! + y.v! }))
      .sinkTo(out);
    await env.execute();
    expect(out.values).toEqual([ev('a', 2, 5), ev('a', 11, 4)]);
  });
});
