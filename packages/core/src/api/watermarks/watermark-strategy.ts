import { requireInteger } from '../../util/config-error.ts';
import type { TimestampAssigner, WatermarkGenerator } from './watermark-generator.ts';

/**
 * How a source's records get their event time and how its watermarks are made (Flink's
 * WatermarkStrategy): a timestamp assigner, a watermark generator per split, and optionally an
 * idle timeout. Pass it to `env.fromSource(source, strategy)`; build it with
 * {@link watermarks}. Immutable: `withIdleness` and `withTimestampAssigner` return a new strategy.
 *
 * @example
 * ```ts
 * env.fromSource(src, watermarks.boundedOutOfOrderness<Bid>((b) => b.dateTime, 5_000).withIdleness(30_000));
 * ```
 */
export class WatermarkStrategy<T> {
  constructor(
    /** Makes the generator of one split (each split gets its own). */
    readonly createWatermarkGenerator: () => WatermarkGenerator<T>,
    /** `undefined`: the source's own timestamp of each record (NaN if it has none). */
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    /** A split without records for this long (processing time, ms) is idle; `undefined`: never. */
    readonly idleTimeout: number | undefined = undefined,
  ) {}

  /**
   * Marks a split idle once it had no record for `ms` of processing time, so that it does not hold
   * the job's event time back (a Redis stream nobody writes to, a subtask with no split). Records
   * it sends after that may be late, if the others moved event time past them meanwhile.
   */
  withIdleness(ms: number): WatermarkStrategy<T> {
    return new WatermarkStrategy(this.createWatermarkGenerator, this.timestampAssigner, requireInteger('idleness', ms, 1));
  }

  /** The same strategy with another timestamp assigner. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy(this.createWatermarkGenerator, assigner, this.idleTimeout);
  }
}
