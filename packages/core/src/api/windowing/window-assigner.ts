import type { TimeDomain } from '../functions.ts';
import { windowStart, type TimeWindow } from './time-window.ts';

/**
 * Which windows a record belongs to (Flink's WindowAssigner). Use {@link tumblingEventTime},
 * {@link slidingEventTime}, {@link eventTimeSessions} and their processing-time twins; each is
 * plain data plus pure functions, and each kind has its own operator.
 */
export type WindowAssigner = TumblingWindows | SlidingWindows | SessionWindows | GlobalWindows;

/** Fixed-size windows that do not overlap: every record is in exactly one. */
export interface TumblingWindows {
  readonly kind: 'tumbling';
  readonly timeDomain: TimeDomain;
  readonly size: number;
  /** Windows start at `offset + k·size` (e.g. -8 h for days in UTC+8). */
  readonly offset: number;
}

/** Fixed-size windows every `slide` ms: a record is in `size / slide` of them. */
export interface SlidingWindows {
  readonly kind: 'sliding';
  readonly timeDomain: TimeDomain;
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
}

/** Per key, records closer than `gap` ms form one window; windows merge as records bridge them. */
export interface SessionWindows {
  readonly kind: 'session';
  readonly timeDomain: TimeDomain;
  readonly gap: number;
}

/**
 * One window per key that never ends ({@link GLOBAL_WINDOW}), for windows a trigger cuts (Flink's
 * GlobalWindows): it fires only as its trigger says, so give it one (`countWindow(n)` does).
 * Records keep their event time when they have one; otherwise the wall clock stands in for it.
 */
export interface GlobalWindows {
  readonly kind: 'global';
  /** The window never ends, so no time is late for it: records are never dropped as late. */
  readonly timeDomain: 'processing-time';
}

/** The one window of {@link globalWindows}: all of time. What it emits carries the time +Infinity. */
export const GLOBAL_WINDOW: TimeWindow = Object.freeze({ start: -Infinity, end: Infinity });

/** @example `keyed.window(globalWindows()).trigger(purgingTrigger(countTrigger(100)))` */
export function globalWindows(): GlobalWindows {
  return { kind: 'global', timeDomain: 'processing-time' };
}

/** Tumbling windows of `size` ms in event time. @example `tumblingEventTime({ size: 60_000 })` */
export function tumblingEventTime(options: { size: number; offset?: number }): TumblingWindows {
  return tumbling('event-time', options);
}

/** Tumbling windows of `size` ms of wall-clock time. */
export function tumblingProcessingTime(options: { size: number; offset?: number }): TumblingWindows {
  return tumbling('processing-time', options);
}

/** Windows of `size` ms starting every `slide` ms, in event time. @example `slidingEventTime({ size: 10_000, slide: 2_000 })` */
export function slidingEventTime(options: { size: number; slide: number; offset?: number }): SlidingWindows {
  return sliding('event-time', options);
}

export function slidingProcessingTime(options: { size: number; slide: number; offset?: number }): SlidingWindows {
  return sliding('processing-time', options);
}

/** Session windows closed by `gap` ms without a record of the key, in event time. */
export function eventTimeSessions(options: { gap: number }): SessionWindows {
  return { kind: 'session', timeDomain: 'event-time', gap: positive('gap', options.gap) };
}

export function processingTimeSessions(options: { gap: number }): SessionWindows {
  return { kind: 'session', timeDomain: 'processing-time', gap: positive('gap', options.gap) };
}

/**
 * The windows a record at `timestamp` belongs to, earliest first: pure, what the window operators
 * compute (sessions: the record's own window, before merging).
 */
export function assignWindows(assigner: WindowAssigner, timestamp: number): TimeWindow[] {
  switch (assigner.kind) {
    case 'tumbling': {
      const start = windowStart(timestamp, assigner.offset, assigner.size);
      return [{ start, end: start + assigner.size }];
    }
    case 'sliding': {
      const out: TimeWindow[] = [];
      const last = windowStart(timestamp, assigner.offset, assigner.slide);
      for (let start = last; start > timestamp - assigner.size; start -= assigner.slide) out.push({ start, end: start + assigner.size });
      return out.reverse();
    }
    case 'session':
      return [{ start: timestamp, end: timestamp + assigner.gap }];
    case 'global':
      return [GLOBAL_WINDOW];
  }
}

function tumbling(timeDomain: TimeDomain, o: { size: number; offset?: number }): TumblingWindows {
  const size = positive('size', o.size);
  return { kind: 'tumbling', timeDomain, size, offset: offsetWithin(o.offset ?? 0, size) };
}

function sliding(timeDomain: TimeDomain, o: { size: number; slide: number; offset?: number }): SlidingWindows {
  const size = positive('size', o.size);
  const slide = positive('slide', o.slide);
  if (slide > size) throw new RangeError(`a sliding window's slide (${slide} ms) must not exceed its size (${size} ms): records between windows would belong to none`);
  return { kind: 'sliding', timeDomain, size, slide, offset: offsetWithin(o.offset ?? 0, slide) };
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`window ${name} must be a whole number of ms > 0, got ${String(v)}`);
  return v;
}

function offsetWithin(offset: number, period: number): number {
  if (!Number.isInteger(offset)) throw new RangeError(`window offset must be a whole number of ms, got ${offset}`);
  return ((offset % period) + period) % period;
}
