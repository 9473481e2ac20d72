/**
 * Where a {@link WatermarkGenerator} sends what it decides (Flink's WatermarkOutput). One per
 * source split: the source subtask's watermark is the minimum over its active splits.
 */
export interface WatermarkOutput {
  /** Event time reached `timestamp`: no record at or below it should follow. Also marks the output active. */
  emitWatermark(timestamp: number): void;
  /** No data for a while: do not hold event time back (see `WatermarkStrategy.withIdleness`). */
  markIdle(): void;
  /** Data again (a record or a watermark also marks the output active). */
  markActive(): void;
}

/**
 * Decides the watermarks of one source split from its records (Flink's WatermarkGenerator).
 * `onEvent` sees every record with its timestamp and may emit at once (punctuated watermarks);
 * `onPeriodicEmit` is called every auto-watermark interval (`env.setAutoWatermarkInterval`,
 * 200 ms by default) and usually emits what `onEvent` has seen (periodic watermarks).
 *
 * @example
 * ```ts
 * // A watermark right after every record that says so (punctuated).
 * watermarks.forGenerator<Tick>(() => ({
 *   onEvent(t, ts, out) { if (t.isEndOfMinute) out.emitWatermark(ts); },
 *   onPeriodicEmit() {},
 * }), (t) => t.time);
 * ```
 */
export interface WatermarkGenerator<T> {
  onEvent(record: T, timestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/**
 * The event time of a record, in milliseconds (Flink's TimestampAssigner). `sourceTimestamp` is the
 * time the source knows for the record (a Redis stream entry id's time with `eventTime: 'entry-id'`),
 * NaN when it knows none.
 */
export type TimestampAssigner<T> = (record: T, sourceTimestamp: number) => number;
