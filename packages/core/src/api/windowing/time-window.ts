/**
 * A window of time `[start, end)` in ms (Flink's TimeWindow): `start` inclusive, `end` exclusive.
 * A window fires when time reaches its last millisecond, `end - 1` ({@link maxTimestamp}), and
 * what it emits carries that time.
 */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The last millisecond of `w`: when it fires, and the event time of what it emits. */
export function maxTimestamp(w: TimeWindow): number {
  return w.end - 1;
}

/**
 * The start of the window of length `slide` (tumbling: the size) that holds `timestamp`, with
 * windows aligned to `offset` (Flink's TimeWindow.getWindowStartWithOffset). Works for timestamps
 * before the epoch and before the offset.
 */
export function windowStart(timestamp: number, offset: number, slide: number): number {
  const r = (timestamp - offset) % slide;
  return r < 0 ? timestamp - (r + slide) : timestamp - r;
}
