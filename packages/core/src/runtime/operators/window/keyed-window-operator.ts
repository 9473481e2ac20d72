import type { WindowSpec } from '../../../graph/operator-spec.ts';
import type { Key } from '../../../state/key.ts';
import { OperatorStateStore } from '../../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../../state/snapshot/snapshot-codec.ts';
import type { KeyedStateBackend } from '../../../state/state-backend.ts';
import { operatorFailure } from '../../errors.ts';
import { WATERMARK, type ControlEvent } from '../../events.ts';
import type { Output } from '../../output/output.ts';
import { InternalTimerService, type Triggerable } from '../../time/internal-timer-service.ts';
import { keyedFunctionContext } from '../keyed-function-context.ts';
import { requireKeyedBackend } from '../runtime-context.ts';
import { AbstractStreamOperator, type OperatorContext } from '../stream-operator.ts';
import { missingTimestamp, WindowFunctionRunner } from './window-contents.ts';

/**
 * What the window operators share (each kind of window has its own small operator on top): the
 * timers, the window function's lifecycle, watermarks, and what happens to a late record.
 *
 * Timers are per (key, time) and carry no window: when one fires, the operator looks up the
 * key's window that ends there (fire) and the one whose allowed lateness ends there (purge). A
 * window's end identifies it among the key's windows for every kind here, so no scan is needed.
 */
export abstract class KeyedWindowOperator<I> extends AbstractStreamOperator<I, unknown> implements Triggerable {
  protected readonly backend: KeyedStateBackend;
  protected readonly timers: InternalTimerService;
  protected readonly runner: WindowFunctionRunner;
  protected readonly eventTime: boolean;
  /** Allowed lateness; always 0 in processing time. */
  protected readonly lateness: number;
  readonly #late: Output<unknown> | undefined;
  readonly #operatorState: OperatorStateStore;
  readonly #functionContext;
  /** Records too late for every window, and with no side output to go to. */
  lateRecordsDropped = 0;

  constructor(
    ctx: OperatorContext,
    output: Output<unknown>,
    readonly spec: WindowSpec,
  ) {
    super(ctx, output);
    this.backend = requireKeyedBackend(ctx);
    this.timers = new InternalTimerService(this.backend, ctx.processingTime, this);
    this.runner = new WindowFunctionRunner(ctx, spec.contents, spec.windowFunction, output, this.timers);
    this.eventTime = spec.assigner.timeDomain === 'event-time';
    this.lateness = this.eventTime ? spec.allowedLateness : 0;
    this.#late = spec.lateTag === undefined ? undefined : ctx.sideOutputs.get(spec.lateTag);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    this.#functionContext = keyedFunctionContext(ctx, this.#operatorState, this.backend, this.timers);
  }

  override async open(): Promise<void> {
    try {
      await this.spec.windowFunction?.open?.(this.#functionContext);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'open');
    }
    this.timers.start();
  }

  override emitEvent(event: ControlEvent): void {
    if (event.kind === WATERMARK) this.timers.advanceWatermark(event.timestamp);
    this.output.emitEvent(event);
  }

  /** The time a record is assigned by: its event time, or the wall clock. */
  protected timestamp(): number {
    if (!this.eventTime) return this.ctx.processingTime.now();
    const ts = this.ctx.time.timestamp;
    if (Number.isNaN(ts)) throw missingTimestamp(this.ctx);
    return ts;
  }

  /** Whether a window whose last millisecond is `maxTs` no longer takes records. */
  protected isLate(maxTs: number): boolean {
    return this.eventTime && maxTs + this.lateness <= this.timers.currentWatermark();
  }

  /** Whether event time is past a window's last millisecond (it fired, or must fire now). */
  protected isPastEnd(maxTs: number): boolean {
    return this.eventTime && maxTs <= this.timers.currentWatermark();
  }

  /**
   * Registers the timers of a window ending at `maxTs + 1` and says whether it must fire now: a
   * late record (within the allowed lateness) makes a window that already fired fire again.
   */
  protected scheduleWindow(maxTs: number): boolean {
    if (!this.eventTime) {
      // At the end, not the last millisecond: a processing-time timer fires once the clock reaches
      // its time, and a record still read in the last millisecond would reopen a window that had
      // fired (Flink fires processing-time timers only once the clock is past them, to the same end).
      this.timers.registerProcessingTimeTimer(maxTs + 1);
      return false;
    }
    if (this.lateness > 0) this.timers.registerEventTimeTimer(maxTs + this.lateness);
    // Past its end already (a late record within the lateness): fire now, and no timer to fire again.
    if (maxTs <= this.timers.currentWatermark()) return true;
    this.timers.registerEventTimeTimer(maxTs);
    return false;
  }

  /** Deletes the timers {@link scheduleWindow} registered for a window ending at `maxTs + 1`. */
  protected unscheduleWindow(maxTs: number): void {
    if (!this.eventTime) {
      this.timers.deleteProcessingTimeTimer(maxTs + 1);
      return;
    }
    this.timers.deleteEventTimeTimer(maxTs);
    if (this.lateness > 0) this.timers.deleteEventTimeTimer(maxTs + this.lateness);
  }

  /** A record too late for every window it belongs to: to the side output, or dropped. */
  protected lateRecord(value: I): void {
    if (this.#late !== undefined) {
      this.#late.collect(value);
      return;
    }
    // Said once per subtask, not per record: how many is the operator's lateRecordsDropped.
    if (this.lateRecordsDropped++ === 0) {
      this.ctx.logger.warn(
        { watermark: this.timers.currentWatermark(), timestamp: this.ctx.time.timestamp },
        'a record too late for its windows was dropped (later ones are dropped without a word); keep them with sideOutputLateData(tag), or allow lateness',
      );
    }
  }

  onEventTime(timestamp: number, key: Key): void {
    this.onTimer(timestamp, key);
  }

  onProcessingTime(timestamp: number, key: Key): void {
    // Registered at the window's end (see scheduleWindow): the window's last millisecond is one before.
    this.onTimer(timestamp - 1, key);
  }

  /** A timer of `key` at `timestamp`: fire the key's window that ends there, purge the one whose lateness ends there. */
  protected abstract onTimer(timestamp: number, key: Key): void;

  snapshotState(): OperatorLists | undefined {
    return this.#operatorState.snapshot();
  }

  override async close(): Promise<void> {
    this.timers.stop();
    await this.spec.windowFunction?.close?.();
  }
}
