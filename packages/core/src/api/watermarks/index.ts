import { requireInteger } from '../../util/config-error.ts';
import { BoundedOutOfOrdernessWatermarks } from './bounded-out-of-orderness.ts';
import type { TimestampAssigner, WatermarkGenerator } from './watermark-generator.ts';
import { WatermarkStrategy } from './watermark-strategy.ts';

export { WatermarkStrategy } from './watermark-strategy.ts';
export { BoundedOutOfOrdernessWatermarks } from './bounded-out-of-orderness.ts';
export type { WatermarkGenerator, WatermarkOutput, TimestampAssigner } from './watermark-generator.ts';

/**
 * Watermark strategies for `env.fromSource(source, strategy)` (Flink's `WatermarkStrategy.for…`).
 * Each split of each source subtask gets its own generator; the subtask emits the minimum over
 * its active splits every auto-watermark interval (200 ms by default), and `+∞` when a bounded
 * input ends, so that every window and timer fires before the final checkpoint.
 */
export const watermarks = {
  /**
   * Records may come up to `maxOutOfOrdernessMs` late relative to the largest timestamp seen:
   * the watermark trails it by that much (minus 1 ms). Later records are late: windows drop them
   * or send them to `sideOutputLateData`.
   * @example `watermarks.boundedOutOfOrderness<Bid>((b) => b.dateTime, 5_000)`
   */
  boundedOutOfOrderness<T>(timestamp: TimestampAssigner<T>, maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    const bound = requireInteger('maxOutOfOrderness', maxOutOfOrdernessMs, 0);
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(bound), timestamp);
  },

  /** Timestamps only ever grow (within a split): the watermark is the largest timestamp seen, minus 1 ms. */
  monotonous<T>(timestamp: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(0), timestamp);
  },

  /**
   * Your own generator (punctuated or periodic), one per split. Without `timestamp`, records keep
   * the time their source gives them.
   */
  forGenerator<T>(create: () => WatermarkGenerator<T>, timestamp?: TimestampAssigner<T>): WatermarkStrategy<T> {
    if (typeof create !== 'function') throw new TypeError('watermarks.forGenerator takes a function that creates a generator');
    return new WatermarkStrategy<T>(create, timestamp);
  },

  /** Timestamps without watermarks: event time never advances until the input ends. */
  noWatermarks<T>(timestamp?: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => ({ onEvent() {}, onPeriodicEmit() {} }), timestamp);
  },
} as const;
