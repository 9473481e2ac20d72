import type { Collector, KeyedProcessFunction, ReduceFunction } from '../../api/functions.ts';
import type { Key } from '../../state/key.ts';
import { ValueStateDescriptor } from '../../state/descriptors.ts';
import type { ValueState } from '../../state/state.ts';
import { operatorFailure } from '../errors.ts';
import type { Output } from '../output/output.ts';
import { keyedContext, requireKeyedBackend } from './runtime-context.ts';
import { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { AbstractStreamOperator, DEAD_LETTERED, retryOrDeadLetter, type OperatorContext } from './stream-operator.ts';

/**
 * Operators on a keyed stream. The task sets the current key on the keyed state backend before
 * each record, so state handles obtained once address the right key without a lookup per call.
 */

/** Rolling reduce per key: emits the new accumulated value for every input (Flink's StreamGroupedReduceOperator). */
export class ReduceOperator<T> extends AbstractStreamOperator<T, T> {
  readonly #state: ValueState<T>;

  constructor(
    ctx: OperatorContext,
    output: Output<T>,
    readonly fn: ReduceFunction<T>,
  ) {
    super(ctx, output);
    this.#state = requireKeyedBackend(ctx).getValueState(new ValueStateDescriptor<T>('_reduce'));
  }

  collect(value: T): void {
    const acc = this.#state.value();
    let next: T;
    if (acc === undefined) {
      next = value;
    } else {
      try {
        next = this.fn(acc, value);
      } catch (e) {
        const retried = retryOrDeadLetter(this.ctx, value, e, () => this.fn(acc, value));
        if (retried === DEAD_LETTERED) return;
        next = retried;
      }
    }
    this.#state.update(next);
    this.output.collect(next);
  }
}

/** Runs a {@link KeyedProcessFunction} with keyed state and the current key. */
export class KeyedProcessOperator<K extends Key, I, O> extends AbstractStreamOperator<I, O> {
  readonly #context: ReturnType<typeof keyedContext<K>>;
  readonly #operatorState: OperatorStateStore;

  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: KeyedProcessFunction<K, I, O>,
  ) {
    super(ctx, output);
    this.#operatorState = new OperatorStateStore(ctx.restoredLists);
    this.#context = keyedContext<K>(ctx, this.#operatorState);
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
