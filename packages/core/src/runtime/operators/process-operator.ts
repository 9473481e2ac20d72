import type { Collector, ProcessFunction, RuntimeContext } from '../../api/functions.ts';
import { operatorFailure } from '../errors.ts';
import type { Output } from '../output/output.ts';
import { runtimeContext } from './runtime-context.ts';
import { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { AbstractStreamOperator, retryOrDeadLetter, type OperatorContext } from './stream-operator.ts';

/** Runs a {@link ProcessFunction}: its own copy per subtask, opened before the first record. */
export class ProcessOperator<I, O> extends AbstractStreamOperator<I, O> {
  readonly #context: RuntimeContext;
  readonly #operatorState: OperatorStateStore;

  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: ProcessFunction<I, O>,
  ) {
    super(ctx, output);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    this.#context = runtimeContext(ctx, this.#operatorState);
  }

  snapshotState(): OperatorLists | undefined {
    return this.#operatorState.snapshot();
  }

  override async open(): Promise<void> {
    try {
      await this.fn.open?.(this.#context);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'open');
    }
  }

  collect(value: I): void {
    try {
      this.fn.processElement(value, this.#context, this.output as Collector<O>);
    } catch (e) {
      retryOrDeadLetter(this.ctx, value, e, () => this.fn.processElement(value, this.#context, this.output as Collector<O>));
    }
  }

  override async close(): Promise<void> {
    await this.fn.close?.();
  }
}
