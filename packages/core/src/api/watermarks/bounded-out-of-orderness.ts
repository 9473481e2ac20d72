import type { WatermarkGenerator, WatermarkOutput } from './watermark-generator.ts';

/**
 * Periodic watermarks that trail the largest timestamp seen by a fixed bound (Flink's
 * BoundedOutOfOrdernessWatermarks): a record may arrive up to `maxOutOfOrderness` ms after a
 * record with a larger timestamp and still be on time. The watermark is
 * `maxTimestamp - maxOutOfOrderness - 1`; `-∞` until the first record.
 */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  #max = -Infinity;

  constructor(readonly maxOutOfOrderness: number) {}

  onEvent(_record: T, timestamp: number): void {
    if (timestamp > this.#max) this.#max = timestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.#max !== -Infinity) output.emitWatermark(this.#max - this.maxOutOfOrderness - 1);
  }
}
