import type { CoProcessContext, CoProcessFunction, Collector } from '../../api/functions.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { operatorFailure } from '../errors.ts';
import { WATERMARK, type ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import { runtimeContext } from './runtime-context.ts';
import { AbstractStreamOperator, retryOrDeadLetter, type OperatorContext, type TwoInputStreamOperator } from './stream-operator.ts';

/**
 * Runs a {@link CoProcessFunction} on two unkeyed inputs (Flink's CoProcessOperator): records of
 * the first input to `processElement1`, of the second to `processElement2`, each keeping its time.
 */
export class CoProcessOperator<O> extends AbstractStreamOperator<unknown, O> implements TwoInputStreamOperator {
  readonly #context: CoProcessContext;
  readonly #operatorState: OperatorStateStore;
  #watermark = -Infinity;

  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: CoProcessFunction<unknown, unknown, O>,
  ) {
    super(ctx, output);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    const time = ctx.time;
    const sides = ctx.sideOutputs;
    this.#context = {
      ...runtimeContext(ctx, this.#operatorState),
      timestamp: () => (Number.isNaN(time.timestamp) ? undefined : time.timestamp),
      currentWatermark: () => this.#watermark,
      output<X>(tag: OutputTag<X>, value: X): void {
        sides.get(tag.id)?.collect(value);
      },
    };
  }

  override async open(): Promise<void> {
    try {
      await this.fn.open?.(this.#context);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'open');
    }
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
    if (event.kind === WATERMARK) this.#watermark = event.timestamp;
    this.output.emitEvent(event);
  }

  snapshotState(): OperatorLists | undefined {
    return this.#operatorState.snapshot();
  }

  override async close(): Promise<void> {
    await this.fn.close?.();
  }
}
