/**
 * Triggers and evictors: the window operator they run on (TriggerWindowOperator) agrees with the
 * built-in windows' own operator when given their default triggers, record by record; count,
 * continuous and purging triggers, count and time evictors; count windows in jobs, and their
 * state in a savepoint restored at another parallelism.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  collectionSource,
  collectSink,
  continuousEventTimeTrigger,
  continuousProcessingTimeTrigger,
  countEvictor,
  countTrigger,
  eventTimeSessions,
  eventTimeTrigger,
  globalWindows,
  processingTimeTrigger,
  purgingTrigger,
  ReducingStateDescriptor,
  slidingEventTime,
  slidingProcessingTime,
  timeEvictor,
  tumblingEventTime,
  tumblingProcessingTime,
  ConfigError,
  type CollectSink,
  type Collector,
  type Source,
  type StreamEnvironment,
  type Trigger,
  type WindowAssigner,
} from '@weir/core';
import type { WindowContents } from '../../packages/core/src/graph/operator-spec.ts';
import type { KeyedOperatorHarness } from '../../packages/core/src/runtime/operators/testing/keyed-operator-harness.ts';
import { windowHarness as harnessOf, type WindowHarnessOptions } from './window-harness.ts';
import { tempDirs, waitUntil } from '../support/checkpoint-jobs.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { environment, everyRecord, openEnded } from './event-time-support.ts';

const LATE = 'late';
/** The window harness, with late records on the side output LATE. */
const windowHarness = (assigner: WindowAssigner, options: WindowHarnessOptions = {}) => harnessOf(assigner, { lateTag: LATE, ...options });

const sum = { type: 'reduce', reduce: (a: unknown, b: unknown) => (a as number) + (b as number) } as const;
const LIST = { type: 'list' } as const;
const AVERAGE = {
  type: 'aggregate',
  aggregate: {
    create: () => [0, 0],
    add: (acc: unknown, v: unknown) => [(acc as number[])[0] + (v as number), (acc as number[])[1] + 1],
    result: (acc: unknown) => (acc as number[])[0] / (acc as number[])[1],
  },
} as WindowContents;

/** Timers still pending in a harness's operator. */
function timersLeft(h: KeyedOperatorHarness): number {
  const timers = (h.operator as unknown as { timers: { eventTimers: number; processingTimers: number } }).timers;
  return timers.eventTimers + timers.processingTimers;
}

describe('the trigger window operator with the default triggers', () => {
  // The same random input through the built-in operator and through the trigger operator (forced by
  // giving the default trigger explicitly): the same output, side output and times, in the same order.
  for (const [name, assigner, trigger, lateness, contents] of [
    ['tumbling event time', tumblingEventTime({ size: 10 }), eventTimeTrigger(), 0, sum],
    ['tumbling event time, lateness 7, every record', tumblingEventTime({ size: 10 }), eventTimeTrigger(), 7, LIST],
    ['sliding event time, aggregate', slidingEventTime({ size: 10, slide: 5 }), eventTimeTrigger(), 0, AVERAGE],
    ['sliding event time, lateness 3', slidingEventTime({ size: 12, slide: 4, offset: 1 }), eventTimeTrigger(), 3, sum],
    ['tumbling processing time, every record', tumblingProcessingTime({ size: 10 }), processingTimeTrigger(), 0, LIST],
    ['sliding processing time', slidingProcessingTime({ size: 10, slide: 5 }), processingTimeTrigger(), 0, sum],
  ] as const) {
    it(`agrees with the built-in operator: ${name}`, async () => {
      for (const seed of [1, 2, 3]) {
        const next = seededRandom(seed * 7919);
        const builtIn = await windowHarness(assigner, { lateness, contents });
        const triggered = await windowHarness(assigner, { lateness, contents, trigger: trigger as Trigger<unknown> });
        let now = 0;
        let watermark = -Infinity;
        for (let step = 0; step < 600; step++) {
          const r = next();
          if (r < 0.7) {
            // Around the watermark: on time, late within the lateness, and too late.
            const key = `k${Math.floor(next() * 3)}`;
            const t = Math.max(0, Math.floor(watermark) - 6 + Math.floor(next() * 20));
            for (const h of [builtIn, triggered]) h.process(key, step, t);
          } else if (r < 0.85) {
            watermark = (watermark === -Infinity ? 0 : watermark) + 3;
            for (const h of [builtIn, triggered]) h.watermark(watermark);
          } else {
            now += 4;
            for (const h of [builtIn, triggered]) h.advanceProcessingTime(now);
          }
          expect(triggered.output, `seed ${seed} step ${step}`).toEqual(builtIn.output);
          expect(triggered.sides.get(LATE), `seed ${seed} step ${step}`).toEqual(builtIn.sides.get(LATE));
        }
        for (const h of [builtIn, triggered]) {
          h.watermark(Infinity);
          h.advanceProcessingTime(now + 1000);
        }
        expect(triggered.output).toEqual(builtIn.output);
        expect(builtIn.output.length).toBeGreaterThan(20);
        // Every window cleaned up, with the timers that named it: no state or timer left behind.
        for (const h of [triggered, builtIn]) {
          expect(h.backend.numKeys()).toBe(0);
          expect(timersLeft(h)).toBe(0);
        }
      }
    });
  }
});

describe('count triggers and count windows', () => {
  it('a purging count trigger on the global window makes windows of n records per key (the rest waits)', async () => {
    const h = await windowHarness(globalWindows(), { trigger: purgingTrigger(countTrigger(3)) });
    for (let i = 0; i < 8; i++) h.process(i % 2 === 0 ? 'a' : 'b', i);
    expect(h.take()).toEqual(['a[-Infinity,Infinity)=0,2,4', 'b[-Infinity,Infinity)=1,3,5']);
    h.watermark(Infinity);
    h.advanceProcessingTime(1e12);
    expect(h.take()).toEqual([]);
    h.process('a', 8);
    expect(h.take()).toEqual([]);
    h.process('a', 10);
    expect(h.take()).toEqual(['a[-Infinity,Infinity)=6,8,10']);
  });

  it('a count trigger without purging fires with everything so far; a count evictor keeps the last n', async () => {
    const keep = await windowHarness(globalWindows(), { trigger: countTrigger(2) });
    const slide = await windowHarness(globalWindows(), { trigger: countTrigger(2), evictor: countEvictor(3) });
    for (let i = 1; i <= 7; i++) {
      keep.process('a', i);
      slide.process('a', i);
    }
    expect(keep.take()).toEqual(['1,2', '1,2,3,4', '1,2,3,4,5,6'].map((c) => `a[-Infinity,Infinity)=${c}`));
    expect(slide.take()).toEqual(['1,2', '2,3,4', '4,5,6'].map((c) => `a[-Infinity,Infinity)=${c}`));
  });

  it('countWindow(n) and countWindow(n, slide) in a job, per key, with reduce and aggregate', async () => {
    const env = environment(2);
    const tumbling = collectSink<string>();
    const sliding = collectSink<string>();
    const all = collectSink<number>();
    const input = Array.from({ length: 40 }, (_, i) => ({ k: `k${i % 4}`, v: i }));
    const records = env.fromSource(collectionSource(input));
    records
      .keyBy((r) => r.k)
      .countWindow(3)
      .reduce((a, b) => ({ k: a.k, v: a.v + b.v }))
      .map((r) => `${r.k}:${r.v}`)
      .sinkTo(tumbling);
    records
      .keyBy((r) => r.k)
      .countWindow(4, 2)
      .aggregate({ create: () => [] as number[], add: (acc: number[], r) => [...acc, r.v], result: (acc) => acc.join('+') })
      .sinkTo(sliding);
    records.countWindowAll(10).aggregate({ create: () => 0, add: (n: number) => n + 1, result: (n) => n }).sinkTo(all);
    await env.execute();
    // Key k0 has 0,4,8,...,36 (10 records): windows of 3, the 10th never fills one.
    const expectTumbling: string[] = [];
    for (let k = 0; k < 4; k++) for (let w = 0; w < 3; w++) expectTumbling.push(`k${k}:${[0, 1, 2].reduce((s, j) => s + k + 4 * (3 * w + j), 0)}`);
    expect(tumbling.values.sort()).toEqual(expectTumbling.sort());
    // Every 2 records of a key, its last 4 (fewer at first).
    const expectSliding: string[] = [];
    for (let k = 0; k < 4; k++) {
      const mine = input.filter((r) => r.k === `k${k}`).map((r) => r.v);
      for (let n = 2; n <= mine.length; n += 2) expectSliding.push(mine.slice(Math.max(0, n - 4), n).join('+'));
    }
    expect(sliding.values.sort()).toEqual(expectSliding.sort());
    expect(all.values).toEqual([10, 10, 10, 10]);
  });

  it('refuses a trigger or an evictor on session windows, and counts that are not positive integers, naming the option', () => {
    const env = environment();
    const keyed = env.fromSource(collectionSource([1, 2, 3])).keyBy((n) => n % 2);
    expect(() => keyed.window(eventTimeSessions({ gap: 10 })).trigger(countTrigger(2))).toThrow(ConfigError);
    expect(() => keyed.window(eventTimeSessions({ gap: 10 })).evictor(countEvictor(2))).toThrow(/evictor\(\) is not supported on session windows/);
    expect(() => keyed.countWindow(0)).toThrow(/countWindow size/);
    expect(() => keyed.countWindow(3, 1.5)).toThrow(/countWindow slide/);
    expect(() => countTrigger(-1)).toThrow(/countTrigger count/);
  });
});

describe('continuous triggers', () => {
  it('continuousEventTimeTrigger fires at every interval the watermark passes, then at the window end', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 100 }), { trigger: continuousEventTimeTrigger(30) });
    h.process('a', 1, 5);
    h.process('a', 2, 12);
    h.watermark(29);
    expect(h.take()).toEqual([]);
    h.watermark(30);
    expect(h.take()).toEqual(['a[0,100)=1,2']);
    h.process('a', 3, 40);
    h.watermark(75);
    expect(h.take()).toEqual(['a[0,100)=1,2,3']); // at 60
    h.watermark(90);
    expect(h.take()).toEqual(['a[0,100)=1,2,3']);
    h.watermark(99);
    expect(h.take()).toEqual(['a[0,100)=1,2,3']); // at its end
    // Cleaned up at its end: nothing more for it, and a later window starts over (first at 180).
    h.process('a', 4, 150);
    h.watermark(179);
    expect(h.take()).toEqual([]);
    h.watermark(180);
    expect(h.take()).toEqual(['a[100,200)=4']);
    h.watermark(Infinity);
    expect(h.take()).toEqual(['a[100,200)=4']);
  });

  it('continuousProcessingTimeTrigger fires every interval of wall-clock time once the window has a record, and at its end', async () => {
    const h = await windowHarness(tumblingProcessingTime({ size: 100 }), { trigger: continuousProcessingTimeTrigger(25) });
    h.advanceProcessingTime(10);
    h.process('a', 1);
    h.advanceProcessingTime(24);
    expect(h.take()).toEqual([]);
    h.advanceProcessingTime(25);
    expect(h.take()).toEqual(['a[0,100)=1']);
    h.process('a', 2);
    h.advanceProcessingTime(60);
    expect(h.take()).toEqual(['a[0,100)=1,2']); // at 50
    h.advanceProcessingTime(100); // the harness's clock passes 75, then 100: two firings
    expect(h.take()).toEqual(['a[0,100)=1,2', 'a[0,100)=1,2']);
    h.advanceProcessingTime(1000);
    expect(h.take()).toEqual([]);
  });
});

describe('trigger timers and state', () => {
  it('gives windows that want the same time each their own firing (sliding windows, one continuous trigger)', async () => {
    const h = await windowHarness(slidingEventTime({ size: 100, slide: 50 }), { trigger: continuousEventTimeTrigger(30) });
    h.process('a', 1, 55); // in [0,100) and [50,150): both next fire at 60, then 90
    h.watermark(60);
    expect(h.take().sort()).toEqual(['a[0,100)=1', 'a[50,150)=1']);
    h.watermark(90);
    expect(h.take().sort()).toEqual(['a[0,100)=1', 'a[50,150)=1']);
    h.watermark(99);
    expect(h.take()).toEqual(['a[0,100)=1']);
    h.watermark(120);
    expect(h.take()).toEqual(['a[50,150)=1']);
    h.watermark(149);
    expect(h.take()).toEqual(['a[50,150)=1']);
    expect(h.backend.numKeys()).toBe(0);
    expect(timersLeft(h)).toBe(0);
  });

  it('ends at the end of input: a continuous trigger on the global window fires once more, not forever', async () => {
    const env = environment();
    const out = collectSink<number>();
    env
      .fromSource(collectionSource(Array.from({ length: 50 }, (_, i) => i * 10)), everyRecord<number>((t) => t))
      .keyBy(() => 'all')
      .window(globalWindows())
      .trigger(continuousEventTimeTrigger(100))
      .aggregate({ create: () => 0, add: (n: number) => n + 1, result: (n) => n })
      .sinkTo(out);
    await env.execute();
    // At 100, 200, 300, 400 of event time (each passed once the record at +10 brought the
    // watermark past it), then once at the end of input.
    expect(out.values).toEqual([12, 22, 32, 42, 50]);
  });

  it('cleans a window up even when its trigger deleted the timer the cleanup shares, and whatever state the trigger left', async () => {
    // Fires on every second record and cancels the end-of-window firing; its clear forgets its counter.
    const everySecond: Trigger<unknown> = {
      onElement(_e, _t, window, ctx) {
        ctx.deleteEventTimeTimer(window.end - 1);
        const n = ctx.getReducingState(countDescriptor);
        n.add(1);
        return n.get()! % 2 === 0 ? 'fire' : 'continue';
      },
      onEventTime: () => 'continue',
      onProcessingTime: () => 'continue',
      clear: () => {},
    };
    const h = await windowHarness(tumblingEventTime({ size: 10 }), { trigger: everySecond });
    for (const t of [1, 2, 3, 11]) h.process('a', t, t);
    expect(h.take()).toEqual(['a[0,10)=1,2']);
    h.watermark(100);
    expect(h.take()).toEqual([]);
    expect(h.backend.numKeys()).toBe(0);
    expect(timersLeft(h)).toBe(0);
  });
});

describe('evictors', () => {
  it('timeEvictor keeps the records within its size of the newest; with reduce, the sum runs over what stays', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 100 }), { contents: sum, evictor: timeEvictor(20) });
    for (const t of [1, 10, 30, 45, 50]) h.process('a', t, t);
    h.watermark(99);
    // 45 and 50: 30 is 20 before the newest, which is out (as in Flink, the cutoff itself goes).
    expect(h.take()).toEqual(['a[0,100)=95']);
  });

  it('folds over copies: a reduce that changes its accumulator in place leaves the window’s records as they were', async () => {
    const h = await windowHarness(globalWindows(), {
      trigger: countTrigger(1),
      evictor: countEvictor(3),
      contents: { type: 'reduce', reduce: (a: unknown, b: unknown) => ((a as { v: number }).v += (b as { v: number }).v, a) },
    });
    for (let i = 1; i <= 5; i++) h.process('a', { v: i });
    // The sums of the last three: 1, 1+2, 1+2+3, 2+3+4, 3+4+5.
    expect(h.take()).toEqual([1, 3, 6, 9, 12].map((v) => `a[-Infinity,Infinity)={"v":${v}}`));
  });

  it('an evictor after firing removes records from the window for its next firing', async () => {
    const h = await windowHarness(globalWindows(), { trigger: countTrigger(2), evictor: countEvictor(1, { afterFiring: true }) });
    for (let i = 1; i <= 5; i++) h.process('a', i);
    expect(h.take()).toEqual(['1,2', '2,3,4'].map((c) => `a[-Infinity,Infinity)=${c}`));
  });

  it('a trigger that purges drops the contents but not its own count', async () => {
    const purgeEvery3: Trigger<unknown> = {
      onElement: (_e, _t, _w, ctx) => {
        const n = ctx.getReducingState(countDescriptor);
        n.add(1);
        return n.get()! % 3 === 0 ? 'purge' : n.get()! % 2 === 0 ? 'fire' : 'continue';
      },
      onEventTime: () => 'continue',
      onProcessingTime: () => 'continue',
      clear: (_w, ctx) => ctx.getReducingState(countDescriptor).clear(),
    };
    const h = await windowHarness(globalWindows(), { trigger: purgeEvery3 });
    for (let i = 1; i <= 8; i++) h.process('a', i);
    // Fires at counts 2, 4 (after the purge at 3: only 4), 8 (after the purge at 6: 7, 8).
    expect(h.take()).toEqual(['1,2', '4', '7,8'].map((c) => `a[-Infinity,Infinity)=${c}`));
  });
});

const countDescriptor = new ReducingStateDescriptor<number>('n', (a, b) => a + b);

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Records `from..to-1` of 6 keys. */
const records = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => ({ k: `k${(from + j) % 6}`, v: from + j }));

function defineCountJob(env: StreamEnvironment, source: Source<{ k: string; v: number }>, uid: string, out: CollectSink<string>): void {
  env
    .fromSource(source)
    .uid(uid)
    .setParallelism(1)
    .keyBy((r) => r.k)
    .countWindow(5)
    .process({ process: (k: string, _ctx, rs: readonly { v: number }[], o: Collector<string>) => o.collect(`${k}:${rs.map((r) => r.v).join(',')}`) })
    .uid('count-windows')
    .sinkTo(out)
    .uid('sink');
}

describe('count windows in a savepoint', () => {
  it('restore their records and counts at another parallelism: each window once, whole', async () => {
    const root = await dirs.make();
    // Phase 1 at parallelism 2: records 0..32 (each key has 5 or 6: one window fired, the next open).
    const env1 = environment(2);
    env1.enableCheckpointing(60_000, { storage: join(root, 'ck') });
    const out1 = collectSink<string>();
    const emitted = { n: 0 };
    defineCountJob(env1, openEnded(records(0, 33), emitted), 'phase-1', out1);
    const client = env1.executeAsync('count-windows');
    await waitUntil(() => emitted.n === 33 && out1.values.length === 6, 'phase 1 to fill one window per key');
    const savepoint = await client.triggerSavepoint(join(root, 'sp'));
    client.cancel();
    await client.result;

    // Phase 2 at parallelism 3: records 33..59, so every key has 10.
    const env2 = environment(3);
    env2.enableCheckpointing(60_000, { storage: join(root, 'ck2'), fromCheckpoint: savepoint, allowNonRestoredState: true });
    const out2 = collectSink<string>();
    defineCountJob(env2, collectionSource(records(33, 60)), 'phase-2', out2);
    await env2.execute('count-windows');

    const expected: string[] = [];
    for (let k = 0; k < 6; k++) for (let w = 0; w < 2; w++) expected.push(`k${k}:${[0, 1, 2, 3, 4].map((j) => k + 6 * (5 * w + j)).join(',')}`);
    expect([...out1.values, ...out2.values].sort()).toEqual(expected.sort());
  });
});
