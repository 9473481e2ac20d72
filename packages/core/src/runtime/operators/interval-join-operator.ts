import type { Collector, ProcessJoinContext, ProcessJoinFunction } from '../../api/functions.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import type { IntervalJoinSpec } from '../../graph/operator-spec.ts';
import { MapStateDescriptor } from '../../state/descriptors.ts';
import { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import type { MapState } from '../../state/state.ts';
import { operatorFailure } from '../errors.ts';
import { WATERMARK, type ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import { InternalTimerService, type Triggerable } from '../time/internal-timer-service.ts';
import { keyedFunctionContext } from './keyed-function-context.ts';
import { requireKeyedBackend } from './runtime-context.ts';
import { AbstractStreamOperator, type OperatorContext, type TwoInputStreamOperator } from './stream-operator.ts';
import { missingTimestamp } from './window/window-contents.ts';

/** Keyed state of an interval join: per key, time → the records of one side at that time. */
export const JOIN_LEFT_STATE = '__join-left';
export const JOIN_RIGHT_STATE = '__join-right';

/**
 * An interval join (Flink's IntervalJoinOperator): a left record at `t` meets the right records
 * of its key in `[t + lower, t + upper]`. Each side is buffered per key, by time, in keyed map
 * state; a new record is matched against the other side's buffer at once (each pair once, when
 * its second record arrives), then kept until the watermark passes the last time a record of the
 * other side could still match it: a left record until `t + upper`, a right one until `t - lower`.
 *
 * Timers are per (key, time), without a side: a timer at `T` purges both sides' records whose
 * last useful time is `T`. Records at or below the watermark when they arrive are late and dropped.
 */
export class IntervalJoinOperator<O> extends AbstractStreamOperator<unknown, O> implements TwoInputStreamOperator, Triggerable {
  readonly #left: MapState<number, unknown[]>;
  readonly #right: MapState<number, unknown[]>;
  readonly #timers: InternalTimerService;
  readonly #lower: number;
  readonly #upper: number;
  readonly #operatorState: OperatorStateStore;
  readonly #functionContext;
  readonly #context: ProcessJoinContext & { leftTimestamp: number; rightTimestamp: number; timestamp: number };
  /** Records that came at or below the watermark and were dropped. */
  lateRecordsDropped = 0;

  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly spec: IntervalJoinSpec,
  ) {
    super(ctx, output);
    const backend = requireKeyedBackend(ctx);
    this.#lower = spec.lowerInclusive ? spec.lower : spec.lower + 1;
    this.#upper = spec.upperInclusive ? spec.upper : spec.upper - 1;
    this.#left = backend.getMapState(new MapStateDescriptor<number, unknown[]>(JOIN_LEFT_STATE));
    this.#right = backend.getMapState(new MapStateDescriptor<number, unknown[]>(JOIN_RIGHT_STATE));
    this.#timers = new InternalTimerService(backend, ctx.processingTime, this);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    this.#functionContext = keyedFunctionContext(ctx, this.#operatorState, backend, this.#timers);
    const sides = ctx.sideOutputs;
    this.#context = {
      leftTimestamp: 0,
      rightTimestamp: 0,
      timestamp: 0,
      output<X>(tag: OutputTag<X>, value: X): void {
        sides.get(tag.id)?.collect(value);
      },
    };
  }

  get fn(): ProcessJoinFunction<unknown, unknown, O> {
    return this.spec.fn as ProcessJoinFunction<unknown, unknown, O>;
  }

  override async open(): Promise<void> {
    try {
      await this.fn.open?.(this.#functionContext);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'open');
    }
  }

  collect(value: unknown): void {
    this.#process(value, true);
  }

  collect2(value: unknown): void {
    this.#process(value, false);
  }

  #process(value: unknown, isLeft: boolean): void {
    const ts = this.ctx.time.timestamp;
    if (Number.isNaN(ts)) throw missingTimestamp(this.ctx);
    if (ts < this.#timers.currentWatermark()) {
      this.lateRecordsDropped++;
      return;
    }
    const ours = isLeft ? this.#left : this.#right;
    const bucket = ours.get(ts);
    if (bucket === undefined) ours.put(ts, [value]);
    else bucket.push(value);
    // The other side's times that match: left t ↔ right in [t + lower, t + upper].
    const from = isLeft ? ts + this.#lower : ts - this.#upper;
    const to = isLeft ? ts + this.#upper : ts - this.#lower;
    for (const [otherTs, others] of (isLeft ? this.#right : this.#left).entries()) {
      if (otherTs < from || otherTs > to) continue;
      for (const other of others) {
        if (isLeft) this.#emit(value, other, ts, otherTs);
        else this.#emit(other, value, otherTs, ts);
      }
    }
    // Kept until no record of the other side can match any more.
    const cleanup = isLeft ? ts + Math.max(this.#upper, 0) : ts + Math.max(-this.#lower, 0);
    this.#timers.registerEventTimeTimer(cleanup);
  }

  #emit(left: unknown, right: unknown, leftTs: number, rightTs: number): void {
    const c = this.#context;
    c.leftTimestamp = leftTs;
    c.rightTimestamp = rightTs;
    c.timestamp = Math.max(leftTs, rightTs);
    this.ctx.time.timestamp = c.timestamp;
    try {
      this.fn.processElement(left, right, c, this.output as Collector<O>);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'processElement');
    }
  }

  override emitEvent(event: ControlEvent): void {
    if (event.kind === WATERMARK) this.#timers.advanceWatermark(event.timestamp);
    this.output.emitEvent(event);
  }

  /** Purges what can no longer match: left records at `T - max(upper, 0)`, right ones at `T - max(-lower, 0)`. */
  onEventTime(timestamp: number): void {
    this.#left.remove(timestamp - Math.max(this.#upper, 0));
    this.#right.remove(timestamp - Math.max(-this.#lower, 0));
  }

  onProcessingTime(): void {}

  snapshotState(): OperatorLists | undefined {
    return this.#operatorState.snapshot();
  }

  override async close(): Promise<void> {
    this.#timers.stop();
    await this.fn.close?.();
  }
}
