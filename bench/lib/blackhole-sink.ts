import type { Sink } from '@weir/core';

/**
 * Counts what reaches it and keeps only the last record (Flink's `blackhole` connector): the
 * cheapest sink, so that a bench measures the pipeline. Keeping the last record stops the
 * compiler from proving the records unused.
 */
export interface Blackhole<T> extends Sink<T> {
  readonly count: number;
  readonly last: T | undefined;
}

export function blackholeSink<T>(): Blackhole<T> {
  const state = { count: 0, last: undefined as T | undefined };
  return {
    get count() {
      return state.count;
    },
    get last() {
      return state.last;
    },
    createWriter: () => ({
      write(value: T) {
        state.count++;
        state.last = value;
      },
    }),
  };
}
