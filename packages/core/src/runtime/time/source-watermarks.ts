import type { TimestampAssigner, WatermarkGenerator, WatermarkOutput } from '../../api/watermarks/watermark-generator.ts';
import type { WatermarkStrategy } from '../../api/watermarks/watermark-strategy.ts';
import type { ReaderOutput, SourceOutput } from '../../connector/source.ts';
import { Watermark, WATERMARK_ACTIVE, WATERMARK_IDLE } from '../events.ts';
import type { Output } from '../output/output.ts';
import type { Cancel, ProcessingTimeService } from './processing-time-service.ts';
import type { RecordTime } from './record-time.ts';

/**
 * What a source task's reader polls into: sets each record's event time, runs the watermark
 * strategy per split, and emits the subtask's watermark (the minimum over its active splits) and
 * idleness into the chain, in order with the records (Flink's SourceOutputWithWatermarks and
 * WatermarkOutputMultiplexer, together).
 *
 * ```
 *   reader ──collect──▶ split "a": assign timestamp → record into the chain → generator.onEvent
 *          ──collect──▶ split "b": …
 *   every interval:     each split's generator.onPeriodicEmit, idle timeouts
 *   then:               watermark = min over active splits → chain (only when it advanced)
 * ```
 *
 * Records the reader emits without a split go to an implicit split, which counts once it has
 * emitted a record. A reader with no split at all holds event time back until it says
 * `markIdle()` (or its idle timeout passes).
 */
export class SourceWatermarks<T> implements ReaderOutput<T> {
  readonly #splits = new Map<string, SplitOutput<T>>();
  #main: SplitOutput<T> | undefined;
  #readerIdle = false;
  #last = -Infinity;
  #idleOut = false;
  #cancel: Cancel | undefined;
  /** Since when the reader has had no split (its idle timeout counts from there). */
  #splitlessSince: number;
  readonly #assign: TimestampAssigner<T> | undefined;

  constructor(
    readonly head: Output<T>,
    readonly time: RecordTime,
    readonly strategy: WatermarkStrategy<T>,
    readonly processingTime: ProcessingTimeService,
    /** Auto-watermark interval, ms; 0: after every poll of the reader. */
    readonly interval: number,
  ) {
    this.#assign = strategy.timestampAssigner;
    this.#splitlessSince = processingTime.now();
  }

  /** The watermark emitted last. */
  get current(): number {
    return this.#last;
  }

  /** Whether the subtask has told downstream that it is idle. */
  get idleOut(): boolean {
    return this.#idleOut;
  }

  collect(record: T, timestamp?: number): void {
    (this.#main ??= this.#newSplit()).collect(record, timestamp);
  }

  createOutputForSplit(splitId: string): SourceOutput<T> {
    let s = this.#splits.get(splitId);
    if (s === undefined) {
      this.#splits.set(splitId, (s = this.#newSplit()));
      this.combine();
    }
    return s;
  }

  releaseOutputForSplit(splitId: string): void {
    if (!this.#splits.delete(splitId)) return;
    if (this.#splits.size === 0) this.#splitlessSince = this.processingTime.now();
    this.combine();
  }

  markIdle(): void {
    if (this.#readerIdle) return;
    this.#readerIdle = true;
    this.combine();
  }

  /** Starts the periodic emission (on the task's loop). */
  start(): void {
    const period = this.interval > 0 ? this.interval : this.strategy.idleTimeout;
    if (period === undefined) return;
    const tick = (now: number): void => {
      this.emitPeriodic(now);
      this.#cancel = this.processingTime.scheduleAt(now + period, tick);
    };
    this.#cancel = this.processingTime.scheduleAt(this.processingTime.now() + period, tick);
  }

  /** Called after each poll of the reader: with an interval of 0, emits then. */
  afterPoll(): void {
    if (this.interval === 0) this.emitPeriodic(this.processingTime.now());
  }

  /** Every generator's periodic emission and idle timeouts, then the combined watermark. */
  emitPeriodic(now: number): void {
    this.#main?.periodic(now);
    for (const s of this.#splits.values()) s.periodic(now);
    // A reader with nothing to read (no split yet, or none left) is idle after the timeout too.
    const timeout = this.strategy.idleTimeout;
    if (this.#main === undefined && this.#splits.size === 0 && timeout !== undefined && now - this.#splitlessSince >= timeout) this.#readerIdle = true;
    this.combine();
  }

  /** The input ended: `+∞`, so that every event-time window and timer downstream fires. */
  endOfInput(): void {
    this.stop();
    if (this.#idleOut) {
      this.#idleOut = false;
      this.head.emitEvent(WATERMARK_ACTIVE);
    }
    if (this.#last < Infinity) {
      this.#last = Infinity;
      this.head.emitEvent(new Watermark(Infinity));
    }
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Emits the minimum over active splits when it advanced, and idleness when every split is idle. */
  combine(): void {
    let min = Infinity;
    let active = 0;
    let splits = this.#splits.size;
    const main = this.#main;
    if (main !== undefined) {
      splits++;
      if (!main.idle) {
        active++;
        min = main.watermark;
      }
    }
    for (const s of this.#splits.values()) {
      if (s.idle) continue;
      active++;
      if (s.watermark < min) min = s.watermark;
    }
    if (active === 0) {
      // Nothing active: idle if every split timed out, or if the reader said it has nothing.
      if ((splits > 0 || this.#readerIdle) && !this.#idleOut) {
        this.#idleOut = true;
        this.head.emitEvent(WATERMARK_IDLE);
      }
      return;
    }
    if (this.#idleOut) {
      this.#idleOut = false;
      this.head.emitEvent(WATERMARK_ACTIVE);
    }
    if (min > this.#last && min !== Infinity) {
      this.#last = min;
      this.head.emitEvent(new Watermark(min));
    }
  }

  /** A record came through a split: the reader is not idle, and neither is the task downstream. */
  onRecordOfIdleSplit(): void {
    this.#readerIdle = false;
    if (this.#idleOut) {
      this.#idleOut = false;
      this.head.emitEvent(WATERMARK_ACTIVE);
    }
  }

  #newSplit(): SplitOutput<T> {
    this.#readerIdle = false;
    return new SplitOutput<T>(this, this.strategy.createWatermarkGenerator(), this.#assign, this.strategy.idleTimeout, this.processingTime.now());
  }
}

/** One split's generator, its watermark and its idleness (Flink's WatermarksWithIdleness). */
class SplitOutput<T> implements SourceOutput<T>, WatermarkOutput {
  watermark = -Infinity;
  idle = false;
  /** Whether a record came since the last periodic check (a flag, so the record path reads no clock). */
  #active = false;
  #lastActiveAt: number;

  constructor(
    readonly owner: SourceWatermarks<T>,
    readonly generator: WatermarkGenerator<T>,
    readonly assign: TimestampAssigner<T> | undefined,
    readonly idleTimeout: number | undefined,
    now: number,
  ) {
    this.#lastActiveAt = now;
  }

  collect(record: T, sourceTimestamp = NaN): void {
    const ts = this.assign === undefined ? sourceTimestamp : this.assign(record, sourceTimestamp);
    if (this.idle || this.owner.idleOut) this.#wake();
    this.#active = true;
    this.owner.time.timestamp = ts;
    this.owner.head.collect(record);
    this.generator.onEvent(record, ts, this);
  }

  emitWatermark(timestamp: number): void {
    if (this.idle) this.#wake();
    if (timestamp > this.watermark) {
      this.watermark = timestamp;
      this.owner.combine();
    }
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.owner.combine();
  }

  markActive(): void {
    if (this.idle) this.#wake();
  }

  periodic(now: number): void {
    if (this.#active) {
      this.#active = false;
      this.#lastActiveAt = now;
    } else if (this.idleTimeout !== undefined && now - this.#lastActiveAt >= this.idleTimeout) {
      this.markIdle();
      return;
    }
    this.generator.onPeriodicEmit(this);
  }

  #wake(): void {
    this.idle = false;
    this.owner.onRecordOfIdleSplit();
  }
}
