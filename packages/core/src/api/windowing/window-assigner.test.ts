import { describe, expect, it } from 'vitest';
import { mergeWindows } from './merge-windows.ts';
import { maxTimestamp, windowStart } from './time-window.ts';
import {
  assignWindows,
  eventTimeSessions,
  slidingEventTime,
  slidingProcessingTime,
  tumblingEventTime,
  tumblingProcessingTime,
} from './window-assigner.ts';

const w = (start: number, end: number) => ({ start, end });

describe('tumbling windows', () => {
  const t = tumblingEventTime({ size: 10 });

  it('put a record at the first millisecond of a window in that window, and one at its end in the next', () => {
    expect(assignWindows(t, 0)).toEqual([w(0, 10)]);
    expect(assignWindows(t, 9)).toEqual([w(0, 10)]);
    expect(assignWindows(t, 10)).toEqual([w(10, 20)]);
  });

  it('handle times before the epoch', () => {
    expect(assignWindows(t, -1)).toEqual([w(-10, 0)]);
    expect(assignWindows(t, -10)).toEqual([w(-10, 0)]);
    expect(assignWindows(t, -11)).toEqual([w(-20, -10)]);
  });

  it('shift every window by the offset', () => {
    const shifted = tumblingEventTime({ size: 10, offset: 3 });
    expect(assignWindows(shifted, 2)).toEqual([w(-7, 3)]);
    expect(assignWindows(shifted, 3)).toEqual([w(3, 13)]);
    expect(assignWindows(tumblingEventTime({ size: 10, offset: -7 }), 3)).toEqual([w(3, 13)]);
  });

  it('fire at their last millisecond', () => {
    expect(maxTimestamp(w(0, 10))).toBe(9);
  });

  it('refuse a size that is not a positive whole number of ms', () => {
    expect(() => tumblingEventTime({ size: 0 })).toThrow(/size/);
    expect(() => tumblingProcessingTime({ size: 1.5 })).toThrow(/size/);
  });
});

describe('sliding windows', () => {
  const s = slidingEventTime({ size: 10, slide: 5 });

  it('put a record in size / slide windows, earliest first', () => {
    expect(assignWindows(s, 0)).toEqual([w(-5, 5), w(0, 10)]);
    expect(assignWindows(s, 4)).toEqual([w(-5, 5), w(0, 10)]);
    expect(assignWindows(s, 5)).toEqual([w(0, 10), w(5, 15)]);
    expect(assignWindows(s, 9)).toEqual([w(0, 10), w(5, 15)]);
  });

  it('with a size that is not a multiple of the slide, cover exactly the windows that hold the time', () => {
    const odd = slidingProcessingTime({ size: 10, slide: 4 });
    for (let ts = -20; ts < 40; ts++) {
      const got = assignWindows(odd, ts);
      for (const win of got) expect(ts >= win.start && ts < win.end).toBe(true);
      const expected = [];
      for (let start = -40; start < 60; start += 4) if (ts >= start && ts < start + 10) expected.push(w(start, start + 10));
      expect(got).toEqual(expected);
    }
  });

  it('refuse a slide larger than the size', () => {
    expect(() => slidingEventTime({ size: 5, slide: 10 })).toThrow(/slide/);
  });
});

describe('session windows', () => {
  it('give a record its own window of gap ms', () => {
    expect(assignWindows(eventTimeSessions({ gap: 30 }), 100)).toEqual([w(100, 130)]);
  });

  it('merge windows that overlap or touch, and keep the others apart', () => {
    const merged = mergeWindows([w(20, 30), w(0, 10), w(10, 15), w(40, 50), w(45, 60)]);
    expect(merged.map((m) => m.window)).toEqual([w(0, 15), w(20, 30), w(40, 60)]);
    expect(merged[0].mergedFrom).toEqual([w(0, 10), w(10, 15)]);
    expect(merged[1].mergedFrom).toEqual([w(20, 30)]);
  });

  it('merge a window that bridges two others into one', () => {
    expect(mergeWindows([w(0, 10), w(20, 30), w(8, 22)]).map((m) => m.window)).toEqual([w(0, 30)]);
  });
});

describe('windowStart', () => {
  it('is the start of the slide-long window holding the time', () => {
    expect(windowStart(17, 0, 5)).toBe(15);
    expect(windowStart(-3, 0, 5)).toBe(-5);
    expect(windowStart(17, 2, 5)).toBe(17);
    expect(windowStart(16, 2, 5)).toBe(12);
  });
});
