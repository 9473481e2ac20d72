import type { ReduceFunction } from '../../api/functions.ts';
import { ValueStateDescriptor } from '../../state/descriptors.ts';
import type { ValueState } from '../../state/state.ts';
import type { Output } from '../output/output.ts';
import { requireKeyedBackend } from './runtime-context.ts';
import { AbstractStreamOperator, DEAD_LETTERED, retryOrDeadLetter, type OperatorContext } from './stream-operator.ts';

/**
 * Rolling reduce per key: emits the new accumulated value for every input (Flink's
 * StreamGroupedReduceOperator). The task sets the current key on the keyed state backend before
 * each record, so the state handle obtained once addresses the right key without a lookup per call.
 */
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
