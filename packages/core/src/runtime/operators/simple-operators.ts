import type { Collector, FilterFunction, FlatMapFunction, MapFunction } from '../../api/functions.ts';
import { operatorFailure } from '../errors.ts';
import type { Output } from '../output/output.ts';
import { AbstractStreamOperator, type OperatorContext } from './stream-operator.ts';

/**
 * Stateless one-in operators. Only the user call sits inside `try`: an error thrown further down
 * the chain is already wrapped with the name of the operator that threw it.
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
      throw operatorFailure(this.ctx, e);
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
      throw operatorFailure(this.ctx, e);
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
      throw operatorFailure(this.ctx, e);
    }
  }
}
