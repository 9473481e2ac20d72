/**
 * The event-time job the crash tests kill, as a model: its input (out of order, within the
 * watermark bound), and the output an uninterrupted run must produce, window by window and timer
 * by timer. Plain module (no test runner): the child job imports it too.
 */
import { assignWindows, eventTimeSessions, mergeWindows, slidingEventTime, tumblingEventTime } from '@weir/core';

/** How far out of order records come (ms of event time); the watermark strategy's bound. */
export const BOUND = 500;
export const TUMBLING = tumblingEventTime({ size: 1_000 });
export const SLIDING = slidingEventTime({ size: 2_000, slide: 500 });
export const SESSIONS = eventTimeSessions({ gap: 2_000 });
/** Timers per key are per 100 ms bucket of event time. */
export const BUCKET = 100;
/** An echo timer, 5001 ms after a bucket's timer, deleted again for buckets with an even count. */
export const ECHO = 5_001;

export interface Ev {
  readonly k: string;
  readonly i: number;
  readonly t: number;
}

/** One line of output: a window's count and sum of indices, or a timer's count. */
export interface Out {
  readonly w: 'tumbling' | 'sliding' | 'session' | 'timer' | 'echo' | 'count' | 'count-sliding' | 'tumbling-by-4';
  readonly k: string;
  readonly start: number;
  readonly end: number;
  readonly n: number;
  readonly sum: number;
}

/**
 * Record `i`: key `k<i mod keys>`, time `10·i`, plus a 5 s pause every 500 records (so that
 * sessions end), minus a delay of up to BOUND ms (a deterministic hash of i): records come out of
 * order, but never by more than the bound behind an earlier record of the same split.
 */
export function record(keys: number): (i: number) => Ev {
  return (i) => {
    const delay = (Math.imul(i + 1, 2654435761) >>> 0) % (BOUND + 1);
    return { k: `k${i % keys}`, i, t: i * 10 + Math.floor(i / 500) * 5_000 - delay };
  };
}

/** The count-windows job: `countWindow(COUNT_SIZE)`, `countWindow(SLIDING_COUNT, SLIDING_EVERY)`, and tumbling windows purged every TUMBLING_BY records. */
export const COUNT_SIZE = 5;
export const SLIDING_COUNT = 6;
export const SLIDING_EVERY = 3;
export const TUMBLING_BY = 4;

/**
 * Every output line of an uninterrupted run of the count-windows job, whose source runs at
 * parallelism 1, so that each key's records reach its window in index order. The global window
 * is written as [0, 0) (JSON has no infinities).
 */
export function expectedCountWindows(count: number, keys: number): string[] {
  const make = record(keys);
  const out: Out[] = [];
  const line = (w: Out['w'], k: string, start: number, end: number, rs: readonly Ev[]) =>
    out.push({ w, k, start, end, n: rs.length, sum: rs.reduce((s, r) => s + r.i, 0) });
  const perKey = new Map<string, Ev[]>();
  for (let i = 0; i < count; i++) {
    const e = make(i);
    let list = perKey.get(e.k);
    if (list === undefined) perKey.set(e.k, (list = []));
    list.push(e);
  }
  for (const [k, rs] of perKey) {
    for (let n = COUNT_SIZE; n <= rs.length; n += COUNT_SIZE) line('count', k, 0, 0, rs.slice(n - COUNT_SIZE, n));
    for (let n = SLIDING_EVERY; n <= rs.length; n += SLIDING_EVERY) line('count-sliding', k, 0, 0, rs.slice(Math.max(0, n - SLIDING_COUNT), n));
    const byWindow = new Map<number, Ev[]>();
    for (const r of rs) {
      const w = assignWindows(TUMBLING, r.t)[0];
      let inside = byWindow.get(w.start);
      if (inside === undefined) byWindow.set(w.start, (inside = []));
      inside.push(r);
      if (inside.length % TUMBLING_BY === 0) line('tumbling-by-4', k, w.start, w.end, inside.slice(-TUMBLING_BY));
    }
  }
  return out.map(outKey).sort();
}

export const outKey = (o: Out): string => `${o.w} ${o.k} ${o.start} ${o.end} ${o.n} ${o.sum}`;

/** Every output line of an uninterrupted run over records `0..count-1`. */
export function expectedOutput(count: number, keys: number): string[] {
  const make = record(keys);
  const windows = new Map<string, { w: Out['w']; k: string; start: number; end: number; n: number; sum: number }>();
  const add = (w: Out['w'], k: string, start: number, end: number, i: number) => {
    const id = `${w} ${k} ${start}`;
    const acc = windows.get(id) ?? { w, k, start, end, n: 0, sum: 0 };
    acc.n++;
    acc.sum += i;
    windows.set(id, acc);
  };
  const perKey = new Map<string, Ev[]>();
  for (let i = 0; i < count; i++) {
    const e = make(i);
    for (const win of assignWindows(TUMBLING, e.t)) add('tumbling', e.k, win.start, win.end, i);
    for (const win of assignWindows(SLIDING, e.t)) add('sliding', e.k, win.start, win.end, i);
    const bucket = Math.floor(e.t / BUCKET) * BUCKET + BUCKET;
    add('timer', e.k, bucket - BUCKET, bucket, i);
    let list = perKey.get(e.k);
    if (list === undefined) perKey.set(e.k, (list = []));
    list.push(e);
  }
  for (const [k, events] of perKey) {
    for (const m of mergeWindows(events.map((e) => assignWindows(SESSIONS, e.t)[0]))) {
      const inside = events.filter((e) => e.t >= m.window.start && e.t < m.window.end);
      windows.set(`session ${k} ${m.window.start}`, { w: 'session', k, ...m.window, n: inside.length, sum: inside.reduce((s, e) => s + e.i, 0) });
    }
  }
  const out = [...windows.values()];
  for (const o of out.filter((o) => o.w === 'timer' && o.n % 2 === 1)) out.push({ w: 'echo', k: o.k, start: o.end, end: o.end + ECHO, n: o.n, sum: o.sum });
  return out.map(outKey).sort();
}
