import type { Collector, RuntimeContext } from '../../api/functions.ts';
import { operatorFailure } from '../errors.ts';
import type { Output } from '../output/output.ts';
import { runtimeContext } from './runtime-context.ts';
import { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { AbstractStreamOperator, retryOrDeadLetter, type OperatorContext } from './stream-operator.ts';

/** What a process function looks like to its operator, whatever context it is given (keyed or not). */
export interface LifecycleFunction<I, O, C> {
  open?(ctx: C): void | Promise<void>;
  processElement(value: I, ctx: C, out: Collector<O>): void;
  close?(): void | Promise<void>;
}

/**
 * Runs a {@link ProcessFunction}: its own copy per subtask, opened before the first record, with
 * operator list state checkpointed with it. (A KeyedProcessFunction, with timers, runs in
 * KeyedProcessOperator.)
 */
export class ProcessOperator<I, O, C extends RuntimeContext = RuntimeContext> extends AbstractStreamOperator<I, O> {
  readonly #context: C;
  readonly #operatorState: OperatorStateStore;

  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: LifecycleFunction<I, O, C>,
    makeContext: (ctx: OperatorContext, store: OperatorStateStore) => C = runtimeContext as (ctx: OperatorContext, store: OperatorStateStore) => C,
  ) {
    super(ctx, output);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    this.#context = makeContext(ctx, this.#operatorState);
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
