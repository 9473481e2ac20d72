import { requireInteger } from '../../util/config-error.ts';
import type { TimeWindow } from './time-window.ts';

/** A record of a window with its time, as an evictor sees it. */
export interface TimestampedValue<T> {
  readonly value: T;
  /** The record's event time (processing time in processing-time windows). */
  readonly timestamp: number;
}

/**
 * Removes records from a window when it fires (Flink's Evictor), set with `.evictor(e)` on a
 * windowed stream: before the window function runs, after it, or both. Each returns the records
 * that stay, in their order. With an evictor the window keeps every record (a `reduce` or
 * `aggregate` runs over what stays when the window fires), so use it where it is needed.
 */
export interface Evictor<T> {
  evictBefore?(elements: readonly TimestampedValue<T>[], window: TimeWindow): readonly TimestampedValue<T>[];
  evictAfter?(elements: readonly TimestampedValue<T>[], window: TimeWindow): readonly TimestampedValue<T>[];
}

/**
 * An evictor for records of any type (what the built-in evictors are): it keeps or drops records
 * without looking at their values, so it fits `.evictor(e)` of every windowed stream, whether
 * passed at once or kept in a variable first.
 */
export interface AnyEvictor {
  evictBefore?<E extends TimestampedValue<unknown>>(elements: readonly E[], window: TimeWindow): readonly E[];
  evictAfter?<E extends TimestampedValue<unknown>>(elements: readonly E[], window: TimeWindow): readonly E[];
}

/** Keeps the last `maxCount` records of a window, before the window function runs (or after, with `afterFiring`) (Flink's CountEvictor). */
export function countEvictor(maxCount: number, options: { afterFiring?: boolean } = {}): AnyEvictor {
  const max = requireInteger('countEvictor maxCount', maxCount, 1);
  const evict = <E>(elements: readonly E[]): readonly E[] => (elements.length <= max ? elements : elements.slice(elements.length - max));
  return options.afterFiring === true ? { evictAfter: evict } : { evictBefore: evict };
}

/**
 * Keeps the records within `size` ms of the newest record in the window, before the window
 * function runs (or after, with `afterFiring`) (Flink's TimeEvictor).
 */
export function timeEvictor(size: number, options: { afterFiring?: boolean } = {}): AnyEvictor {
  const keep = requireInteger('timeEvictor size', size, 1);
  const evict = <E extends TimestampedValue<unknown>>(elements: readonly E[]): readonly E[] => {
    let newest = -Infinity;
    for (const e of elements) if (e.timestamp > newest) newest = e.timestamp;
    return elements.filter((e) => e.timestamp > newest - keep);
  };
  return options.afterFiring === true ? { evictAfter: evict } : { evictBefore: evict };
}
