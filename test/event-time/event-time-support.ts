/**
 * Helpers of the event-time tests: an environment without logs, and a watermark strategy that
 * emits after every record (punctuated), so that which records are late does not depend on when
 * a periodic watermark happened to be emitted.
 */
import { pino } from 'pino';
import { StreamEnvironment, watermarks, type Collector, type Source, type TimestampAssigner, type WatermarkStrategy, type WindowContext } from '@weir/core';

export const environment = (parallelism = 1): StreamEnvironment => StreamEnvironment.create({ parallelism, logger: pino({ level: process.env.LOG ?? 'silent' }) });

/** Bounded out-of-orderness, emitted right after every record: `max timestamp seen - bound - 1`. */
export function everyRecord<T>(timestamp: TimestampAssigner<T>, bound = 0): WatermarkStrategy<T> {
  return watermarks.forGenerator<T>(() => {
    let max = -Infinity;
    return {
      onEvent(_r, ts, out) {
        if (ts > max) max = ts;
        out.emitWatermark(max - bound - 1);
      },
      onPeriodicEmit() {},
    };
  }, timestamp);
}

/** A record with a key and an event time. */
export interface Ev {
  readonly k: string;
  readonly t: number;
  readonly v?: number;
}

export const ev = (k: string, t: number, v = 1): Ev => ({ k, t, v });

export const count = {
  create: () => 0,
  add: (n: number) => n + 1,
  result: (n: number) => n,
  merge: (a: number, b: number) => a + b,
};

/** A window's count for a key, as `withWindow` emits it. */
export interface Counted {
  readonly k: string;
  readonly start: number;
  readonly n: number;
}

/** The window function of `aggregate(count, withWindow)`: the key, the window's start, the count. */
export const withWindow = {
  process(k: string, ctx: WindowContext, [n]: readonly number[], out: Collector<Counted>) {
    out.collect({ k, start: ctx.window.start, n });
  },
};

export const byKeyAndStart = (a: Counted, b: Counted) => a.k.localeCompare(b.k) || a.start - b.start;

/**
 * `records`, then an input that stays open, so that a job on it runs until cancelled (a savepoint
 * then finds its windows and timers pending); `emitted.n` is how many it has emitted so far.
 */
export function openEnded<T>(records: readonly T[], emitted: { n: number }): Source<T> {
  return {
    boundedness: 'unbounded',
    maxParallelism: 1,
    createReader: (ctx) => {
      let next = (ctx.restoredState?.[0] as number | undefined) ?? 0;
      return {
        pollNext(out) {
          while (next < records.length) out.collect(records[next++]);
          emitted.n = next;
          return 'nothing-available';
        },
        isAvailable: () => new Promise<void>(() => {}),
        snapshotState: () => [next],
      };
    },
  };
}
