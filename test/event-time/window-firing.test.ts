/**
 * Window operators one subtask at a time (through the keyed operator harness): when each kind of
 * window fires, at its boundaries, in event and processing time, and what happens to late records.
 */
import { describe, expect, it } from 'vitest';
import {
  eventTimeSessions,
  OutputTag,
  slidingEventTime,
  slidingProcessingTime,
  tumblingEventTime,
  tumblingProcessingTime,
} from '@weir/core';
import { windowHarness } from './window-harness.ts';
import type { AlignedWindowOperator } from '../../packages/core/src/runtime/operators/window/aligned-window-operator.ts';

const late = new OutputTag<number>('late');

describe('a tumbling event-time window', () => {
  it('fires when the watermark reaches its last millisecond, not before', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }));
    h.process('a', 0, 0);
    h.process('a', 9, 9);
    h.process('a', 10, 10);
    h.watermark(8);
    expect(h.take()).toEqual([]);
    h.watermark(9);
    expect(h.output).toEqual([{ value: 'a[0,10)=0,9', timestamp: 9 }]);
    h.take();
    h.watermark(19);
    expect(h.take()).toEqual(['a[10,20)=10']);
  });

  it('passes the watermark on after what it fired', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }));
    h.process('a', 1, 1);
    h.watermark(100);
    expect(h.take()).toEqual(['a[0,10)=1']);
    expect(h.watermarks).toEqual([100]);
  });

  it('fires each key on its own, every window once, in time order', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }));
    h.process('b', 15, 15);
    h.process('a', 3, 3);
    h.process('b', 4, 4);
    h.process('a', 12, 12);
    h.watermark(Infinity);
    const out = h.output.map((e) => [e.timestamp, e.value]);
    expect(out.map(([t]) => t)).toEqual([9, 9, 19, 19]);
    expect(out.map(([, v]) => v).sort()).toEqual(['a[0,10)=3', 'a[10,20)=12', 'b[0,10)=4', 'b[10,20)=15']);
    h.watermark(Number.MAX_SAFE_INTEGER);
    expect(h.output.length).toBe(4);
  });

  it('sends a record too late for its window to the side output', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }), { lateTag: late.id });
    h.process('a', 5, 5);
    h.watermark(12);
    h.process('a', 9, 9); // [0,10) fired at 9: late
    h.process('a', 13, 13); // on time
    h.watermark(19);
    expect(h.take()).toEqual(['a[0,10)=5', 'a[10,20)=13']);
    expect(h.sides.get(late.id)).toEqual([{ value: 9, timestamp: 9 }]);
  });

  it('drops and counts a late record when there is no side output', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }));
    h.watermark(50);
    h.process('a', 49, 49);
    expect((h.operator as AlignedWindowOperator<number>).lateRecordsDropped).toBe(1);
    h.watermark(Infinity);
    expect(h.take()).toEqual([]);
  });

  it('with allowed lateness, takes a late record, fires again at once, and purges the window when the lateness is over', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }), { lateness: 5, lateTag: late.id });
    h.process('a', 1, 1);
    h.watermark(9);
    expect(h.take()).toEqual(['a[0,10)=1']);
    h.process('a', 2, 2); // watermark 9 < 9 + 5: still taken, and fires again
    expect(h.take()).toEqual(['a[0,10)=1,2']);
    h.watermark(14); // lateness over: purged
    h.process('a', 3, 3);
    expect(h.take()).toEqual([]);
    expect(h.sides.get(late.id)!.map((e) => e.value)).toEqual([3]);
  });

  it('aggregates incrementally and emits the result', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }), {
      contents: { type: 'aggregate', aggregate: { create: () => 0, add: (n, v) => (n as number) + (v as number), result: (n) => `sum ${String(n)}` } },
    });
    for (const t of [1, 2, 3]) h.process('a', t, t);
    h.watermark(9);
    expect(h.take()).toEqual(['a[0,10)=sum 6']);
  });
});

describe('a sliding event-time window', () => {
  it('puts a record in every window that holds it and fires them one slide apart', async () => {
    const h = await windowHarness(slidingEventTime({ size: 10, slide: 5 }));
    h.process('a', 4, 4);
    h.process('a', 5, 5);
    h.process('a', 10, 10);
    h.watermark(4);
    expect(h.take()).toEqual(['a[-5,5)=4']);
    h.watermark(9);
    expect(h.take()).toEqual(['a[0,10)=4,5']);
    h.watermark(14);
    expect(h.take()).toEqual(['a[5,15)=5,10']);
    h.watermark(19);
    expect(h.take()).toEqual(['a[10,20)=10']);
    h.watermark(Infinity);
    expect(h.take()).toEqual([]);
  });

  it('sends a record to the side output only when every window of it is late', async () => {
    const h = await windowHarness(slidingEventTime({ size: 10, slide: 5 }), { lateTag: late.id });
    h.watermark(10);
    h.process('a', 7, 7); // [0,10) late, [5,15) not: counted there only
    h.process('a', 3, 3); // [-5,5) and [0,10) late
    h.watermark(14);
    expect(h.take()).toEqual(['a[5,15)=7']);
    expect(h.sides.get(late.id)!.map((e) => e.value)).toEqual([3]);
  });
});

describe('a session window', () => {
  it('merges records of a key closer than the gap, and fires when the watermark passes the session', async () => {
    const h = await windowHarness(eventTimeSessions({ gap: 10 }));
    h.process('a', 0, 0);
    h.process('a', 5, 5); // [0,15)
    h.process('a', 30, 30); // [30,40), apart
    h.process('b', 7, 7);
    h.process('a', 20, 20); // [20,30) touches [30,40): [20,40)
    h.watermark(14);
    expect(h.take()).toEqual(['a[0,15)=0,5']);
    h.watermark(16);
    expect(h.take()).toEqual(['b[7,17)=7']);
    h.watermark(39);
    expect(h.take()).toEqual(['a[20,40)=30,20']);
  });

  it('merges two sessions that a record bridges, contents and all', async () => {
    const h = await windowHarness(eventTimeSessions({ gap: 10 }), {
      contents: { type: 'reduce', reduce: (a, b) => (a as number) + (b as number) },
    });
    h.process('a', 1, 0);
    h.process('a', 2, 25);
    h.process('a', 4, 12); // [12,22) overlaps [0,10)? no; touches [25,35)? no: a third session
    h.process('a', 8, 9); // [9,19) bridges [0,10) and [12,22)
    h.watermark(21);
    expect(h.take()).toEqual(['a[0,22)=13']);
    h.watermark(Infinity);
    expect(h.take()).toEqual(['a[25,35)=2']);
  });

  it('fires a session again when a late record within the allowed lateness extends it', async () => {
    const h = await windowHarness(eventTimeSessions({ gap: 10 }), { lateness: 20 });
    h.process('a', 1, 0);
    h.watermark(9);
    expect(h.take()).toEqual(['a[0,10)=1']);
    h.process('a', 2, 3); // [3,13) merges into [0,13), whose end is past the watermark: fires at 12
    expect(h.take()).toEqual([]);
    h.watermark(12);
    expect(h.take()).toEqual(['a[0,13)=1,2']);
  });
});

describe('processing-time windows', () => {
  it('assign by the wall clock and fire when it reaches the window end', async () => {
    const h = await windowHarness(tumblingProcessingTime({ size: 10 }));
    h.advanceProcessingTime(3);
    h.process('a', 'x');
    h.advanceProcessingTime(8);
    h.process('a', 'y');
    h.advanceProcessingTime(10);
    h.process('a', 'z');
    expect(h.output).toEqual([{ value: 'a[0,10)=x,y', timestamp: 9 }]);
    h.take();
    h.advanceProcessingTime(25);
    expect(h.take()).toEqual(['a[10,20)=z']);
  });

  it('ignore watermarks', async () => {
    const h = await windowHarness(slidingProcessingTime({ size: 10, slide: 5 }));
    h.advanceProcessingTime(7);
    h.process('a', 'x');
    h.watermark(Infinity);
    expect(h.take()).toEqual([]);
    h.advanceProcessingTime(10);
    expect(h.take()).toEqual(['a[0,10)=x']);
    h.advanceProcessingTime(15);
    expect(h.take()).toEqual(['a[5,15)=x']);
  });

  it('fire each window once, also with records read in its last millisecond', async () => {
    const h = await windowHarness(tumblingProcessingTime({ size: 10 }));
    h.advanceProcessingTime(3);
    h.process('a', 'x');
    h.advanceProcessingTime(9);
    h.process('a', 'y');
    expect(h.take()).toEqual([]);
    h.advanceProcessingTime(10);
    h.process('a', 'z');
    h.advanceProcessingTime(30);
    expect(h.take()).toEqual(['a[0,10)=x,y', 'a[10,20)=z']);
  });
});

describe('an event-time window on records without event time', () => {
  it('fails, saying to give the source a watermark strategy', async () => {
    const h = await windowHarness(tumblingEventTime({ size: 10 }));
    expect(() => h.process('a', 1)).toThrow(/watermark strategy/);
  });
});
