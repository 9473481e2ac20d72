import type { Collector, KeyedCoProcessFunction } from '../../api/functions.ts';
import type { Key } from '../../state/key.ts';
import { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { operatorFailure } from '../errors.ts';
import { WATERMARK, type ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import { InternalTimerService, type Triggerable } from '../time/internal-timer-service.ts';
import { fireKeyedTimer, keyedFunctionContext, type KeyedFunctionContext } from './keyed-function-context.ts';
import { requireKeyedBackend } from './runtime-context.ts';
import { AbstractStreamOperator, retryOrDeadLetter, type OperatorContext, type TwoInputStreamOperator } from './stream-operator.ts';

/**
 * Runs a {@link KeyedCoProcessFunction} on two keyed inputs (Flink's KeyedCoProcessOperator):
 * both inputs share the keyed state and timers of the record's key; a watermark (the minimum over
 * both inputs) fires event-time timers before it goes on.
 */
export class KeyedCoProcessOperator<O> extends AbstractStreamOperator<unknown, O> implements TwoInputStreamOperator, Triggerable {
  readonly #timers: InternalTimerService;
  readonly #context: KeyedFunctionContext<Key>;
  readonly #operatorState: OperatorStateStore;

  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: KeyedCoProcessFunction<Key, unknown, unknown, O>,
  ) {
    super(ctx, output);
    const backend = requireKeyedBackend(ctx);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    this.#timers = new InternalTimerService(backend, ctx.processingTime, this);
    this.#context = keyedFunctionContext(ctx, this.#operatorState, backend, this.#timers);
  }

  override async open(): Promise<void> {
    try {
      await this.fn.open?.(this.#context);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'open');
    }
    this.#timers.start();
  }

  collect(value: unknown): void {
    const out = this.output as Collector<O>;
    try {
      this.fn.processElement1(value, this.#context, out);
    } catch (e) {
      retryOrDeadLetter(this.ctx, value, e, () => this.fn.processElement1(value, this.#context, out));
    }
  }

  collect2(value: unknown): void {
    const out = this.output as Collector<O>;
    try {
      this.fn.processElement2(value, this.#context, out);
    } catch (e) {
      retryOrDeadLetter(this.ctx, value, e, () => this.fn.processElement2(value, this.#context, out));
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
