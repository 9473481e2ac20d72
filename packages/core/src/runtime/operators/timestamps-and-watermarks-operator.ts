import type { TimestampAssigner, WatermarkGenerator } from '../../api/watermarks/watermark-generator.ts';
import { WatermarkStrategy } from '../../api/watermarks/watermark-strategy.ts';
import { operatorFailure } from '../errors.ts';
import { WATERMARK, WATERMARK_STATUS, type ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import { SourceWatermarks } from '../time/source-watermarks.ts';
import { AbstractStreamOperator, DEAD_LETTERED, retryOrDeadLetter, type OperatorContext } from './stream-operator.ts';

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
 * generators of sources do, and as Flink's does. A timestamp assigner that throws is handled by
 * the operator's error policy (`onError`: fail, or retry and dead-letter the record).
 */
export class TimestampsAndWatermarksOperator<T> extends AbstractStreamOperator<T, T> {
  readonly #watermarks: SourceWatermarks<T>;
  readonly #assign: TimestampAssigner<T> | undefined;
  readonly #everyRecords: number;
  #untilEmit: number;

  constructor(ctx: OperatorContext, output: Output<T>, strategy: WatermarkStrategy<T>, autoWatermarkInterval: number) {
    super(ctx, output);
    // The assigner runs here, under the operator's error policy; what the generator throws is
    // this operator's failure, not that of the operator before it in the chain.
    this.#assign = strategy.timestampAssigner;
    const generator = strategy.createWatermarkGenerator;
    const own = new WatermarkStrategy<T>(() => failingAs(ctx, generator()), undefined, strategy.idleTimeout);
    // One implicit split: the same periodic emission and idleness as a source subtask, with this
    // operator's output as the head.
    this.#watermarks = new SourceWatermarks<T>(output, ctx.time, own, ctx.processingTime, autoWatermarkInterval);
    this.#everyRecords = autoWatermarkInterval === 0 ? RECORDS_PER_EMIT : 0;
    this.#untilEmit = this.#everyRecords;
  }

  override open(): void {
    this.#watermarks.start();
  }

  collect(value: T): void {
    const time = this.ctx.time;
    // The time the record had upstream (NaN if none): the assigner's second argument, as Flink's
    // `recordTimestamp`, and put back afterwards, so that operators the record also reaches after
    // this one in the chain (another branch) see the time they would have seen.
    const upstream = time.timestamp;
    let timestamp = upstream;
    const assign = this.#assign;
    if (assign !== undefined) {
      try {
        timestamp = assign(value, upstream);
      } catch (e) {
        const retried = retryOrDeadLetter(this.ctx, value, e, () => assign(value, upstream));
        if (retried === DEAD_LETTERED) return;
        timestamp = retried;
      }
    }
    this.#watermarks.collect(value, timestamp);
    time.timestamp = upstream;
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

/** `generator`, with what it throws (and not what the operators after it throw) as this operator's failure. */
function failingAs<T>(ctx: OperatorContext, generator: WatermarkGenerator<T>): WatermarkGenerator<T> {
  return {
    onEvent(record, timestamp, output) {
      try {
        generator.onEvent(record, timestamp, output);
      } catch (e) {
        throw operatorFailure(ctx, e);
      }
    },
    onPeriodicEmit(output) {
      try {
        generator.onPeriodicEmit(output);
      } catch (e) {
        throw operatorFailure(ctx, e);
      }
    },
  };
}
