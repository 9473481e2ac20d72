import type { StreamOperator } from './operators/stream-operator.ts';
import type { Output } from './output/output.ts';

/**
 * The operators of one task, head first, and the entry point records go into. Opening runs from
 * the tail so that an operator only emits into operators that are ready; finishing runs from the
 * head so that what an operator emits while finishing still reaches the operators after it.
 */
export class OperatorChain {
  constructor(
    /** Where the task's input (or the source reader) sends records: the head operator. */
    readonly head: Output<unknown>,
    readonly operators: readonly StreamOperator<unknown>[],
  ) {}

  async open(): Promise<void> {
    for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i].open();
  }

  async finish(): Promise<void> {
    for (const op of this.operators) await op.finish();
  }

  /** Closes every operator even when one fails; the first error is rethrown. */
  async close(): Promise<void> {
    let first: unknown;
    for (const op of this.operators) {
      try {
        await op.close();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }
}
