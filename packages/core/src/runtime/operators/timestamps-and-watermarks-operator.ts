import type { WatermarkStrategy } from '../../api/watermarks/watermark-strategy.ts';
import { WATERMARK, WATERMARK_STATUS, type ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import { SourceWatermarks } from '../time/source-watermarks.ts';
import { AbstractStreamOperator, type OperatorContext } from './stream-operator.ts';

/**
 * With an auto-watermark interval of 0, how many records pass between two periodic emissions: a
 * source emits after each poll of its reader, about as many records; an operator has no poll.
 */
const RECORDS_PER_EMIT = 512;

/**
 * `stream.assignTimestampsAndWatermarks(strategy)` mid-stream (Flink's
 * TimestampsAndWatermarksOperator): sets each record's event time with the strategy's timestamp
 * assigner and makes this subtask's watermarks with its generator, as a source split would.
 *
 * Event time from upstream is replaced, not combined: watermarks and idleness that arrive are
 * dropped, so that the new timestamps are judged against this operator's watermarks only (an
 * upstream watermark on another time scale would make every record late). The one exception is
 * the watermark `+∞` of the end of bounded input, which is passed on so that every window and
 * timer downstream fires, as in Flink.
 *
 * The generator is not checkpointed: after a restore it starts again from no watermark, as the
 * generators of sources do, and as Flink's does.
 */
export class TimestampsAndWatermarksOperator<T> extends AbstractStreamOperator<T, T> {
  readonly #watermarks: SourceWatermarks<T>;
  readonly #everyRecords: number;
  #untilEmit: number;

  constructor(ctx: OperatorContext, output: Output<T>, strategy: WatermarkStrategy<T>, autoWatermarkInterval: number) {
    super(ctx, output);
    // One implicit split: the same timestamp assignment, periodic emission and idleness as a
    // source subtask, with this operator's output as the head.
    this.#watermarks = new SourceWatermarks<T>(output, ctx.time, strategy, ctx.processingTime, autoWatermarkInterval);
    this.#everyRecords = autoWatermarkInterval === 0 ? RECORDS_PER_EMIT : 0;
    this.#untilEmit = this.#everyRecords;
  }

  override open(): void {
    this.#watermarks.start();
  }

  collect(value: T): void {
    // The assigner sees the time the record had upstream (NaN if none), as Flink's `recordTimestamp`.
    this.#watermarks.collect(value, this.ctx.time.timestamp);
    if (this.#everyRecords !== 0 && --this.#untilEmit === 0) {
      this.#untilEmit = this.#everyRecords;
      this.#watermarks.emitPeriodic(this.ctx.processingTime.now());
    }
  }

  override emitEvent(event: ControlEvent): void {
    if (event.kind === WATERMARK) {
      if (event.timestamp === Infinity) this.#watermarks.endOfInput();
      return;
    }
    if (event.kind === WATERMARK_STATUS) return;
    this.output.emitEvent(event);
  }

  override flush(): void {
    // The task is about to wait for input: with interval 0, what the generator knows goes out now.
    if (this.#everyRecords !== 0) this.#watermarks.emitPeriodic(this.ctx.processingTime.now());
    this.output.flush();
  }

  override close(): void {
    this.#watermarks.stop();
  }
}
