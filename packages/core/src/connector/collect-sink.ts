import type { Sink } from './sink.ts';

/**
 * A sink that keeps every record in memory, in arrival order, for tests and examples. All
 * subtasks append to the same array (they share one event loop).
 *
 * @example
 * ```ts
 * const out = collectSink<number>();
 * env.fromCollection([1, 2, 3]).map((x) => x * 2).sinkTo(out);
 * await env.execute();
 * out.values; // [2, 4, 6]
 * ```
 */
export interface CollectSink<T> extends Sink<T> {
  readonly values: T[];
  /** Records per subtask index, each in the order that subtask received them. */
  readonly bySubtask: T[][];
}

export function collectSink<T>(): CollectSink<T> {
  const values: T[] = [];
  const bySubtask: T[][] = [];
  return {
    values,
    bySubtask,
    createWriter(ctx) {
      const mine: T[] = (bySubtask[ctx.subtaskIndex] ??= []);
      return {
        write(value: T) {
          values.push(value);
          mine.push(value);
        },
      };
    },
  };
}
