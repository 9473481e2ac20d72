import type { Collector, KeyedProcessFunction } from '../../api/functions.ts';
import type { Key } from '../../state/key.ts';
import { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { operatorFailure } from '../errors.ts';
import { WATERMARK, type ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import { InternalTimerService, type Triggerable } from '../time/internal-timer-service.ts';
import { fireKeyedTimer, keyedFunctionContext, type KeyedFunctionContext } from './keyed-function-context.ts';
import { requireKeyedBackend } from './runtime-context.ts';
import { AbstractStreamOperator, retryOrDeadLetter, type OperatorContext } from './stream-operator.ts';

/**
 * Runs a {@link KeyedProcessFunction} (Flink's KeyedProcessOperator): `processElement` per record
 * with the record's key current, `onTimer` when a timer of a key fires, with that key current.
 * What `processElement` emits keeps the record's time; what an event-time timer emits carries the
 * timer's time (a processing-time timer's output has none).
 *
 * A watermark first fires the event-time timers it reaches, then goes on downstream, so that
 * their output precedes it.
 */
export class KeyedProcessOperator<I, O> extends AbstractStreamOperator<I, O> implements Triggerable {
  readonly #timers: InternalTimerService;
  readonly #context: KeyedFunctionContext<Key>;
  readonly #operatorState: OperatorStateStore;

  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: KeyedProcessFunction<Key, I, O>,
  ) {
    super(ctx, output);
    const backend = requireKeyedBackend(ctx);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    this.#timers = new InternalTimerService(backend, ctx.processingTime, this);
    this.#context = keyedFunctionContext(ctx, this.#operatorState, backend, this.#timers);
  }

  /** Pending timers (for tests). */
  get timers(): InternalTimerService {
    return this.#timers;
  }

  override async open(): Promise<void> {
    try {
      await this.fn.open?.(this.#context);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'open');
    }
    this.#timers.start();
  }

  collect(value: I): void {
    try {
      this.fn.processElement(value, this.#context, this.output as Collector<O>);
    } catch (e) {
      retryOrDeadLetter(this.ctx, value, e, () => this.fn.processElement(value, this.#context, this.output as Collector<O>));
    }
  }

  override emitEvent(event: ControlEvent): void {
    if (event.kind === WATERMARK) this.#timers.advanceWatermark(event.timestamp);
    this.output.emitEvent(event);
  }

  onEventTime(timestamp: number): void {
    fireKeyedTimer(this.ctx, this.#context, this.fn, this.output as Collector<O>, 'event-time', timestamp);
  }

  onProcessingTime(timestamp: number): void {
    fireKeyedTimer(this.ctx, this.#context, this.fn, this.output as Collector<O>, 'processing-time', timestamp);
  }

  snapshotState(): OperatorLists | undefined {
    return this.#operatorState.snapshot();
  }

  override async close(): Promise<void> {
    this.#timers.stop();
    await this.fn.close?.();
  }
}
