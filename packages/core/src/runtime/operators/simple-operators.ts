import type { Collector, FilterFunction, FlatMapFunction, MapFunction } from '../../api/functions.ts';
import type { Output } from '../output/output.ts';
import { AbstractStreamOperator, DEAD_LETTERED, retryOrDeadLetter, type OperatorContext } from './stream-operator.ts';

/**
 * Stateless one-in operators. Only the user call sits inside `try`: an error thrown further down
 * the chain is already wrapped with the name of the operator that threw it. A throw goes to
 * `retryOrDeadLetter` (the operator's error policy: fail, or retry then dead-letter).
 */

export class MapOperator<I, O> extends AbstractStreamOperator<I, O> {
  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: MapFunction<I, O>,
  ) {
    super(ctx, output);
  }

  collect(value: I): void {
    let result: O;
    try {
      result = this.fn(value);
    } catch (e) {
      const retried = retryOrDeadLetter(this.ctx, value, e, () => this.fn(value));
      if (retried === DEAD_LETTERED) return;
      result = retried;
    }
    this.output.collect(result);
  }
}

export class FilterOperator<T> extends AbstractStreamOperator<T, T> {
  constructor(
    ctx: OperatorContext,
    output: Output<T>,
    readonly fn: FilterFunction<T>,
  ) {
    super(ctx, output);
  }

  collect(value: T): void {
    let keep: boolean;
    try {
      keep = this.fn(value);
    } catch (e) {
      const retried = retryOrDeadLetter(this.ctx, value, e, () => this.fn(value));
      if (retried === DEAD_LETTERED) return;
      keep = retried;
    }
    if (keep) this.output.collect(value);
  }
}

export class FlatMapOperator<I, O> extends AbstractStreamOperator<I, O> {
  constructor(
    ctx: OperatorContext,
    output: Output<O>,
    readonly fn: FlatMapFunction<I, O>,
  ) {
    super(ctx, output);
  }

  collect(value: I): void {
    try {
      this.fn(value, this.output as Collector<O>);
    } catch (e) {
      retryOrDeadLetter(this.ctx, value, e, () => this.fn(value, this.output as Collector<O>));
    }
  }
}
