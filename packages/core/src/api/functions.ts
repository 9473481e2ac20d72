import type { Key } from '../state/key.ts';
import type {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/descriptors.ts';
import type { ListState, MapState, ReducingState, ValueState } from '../state/state.ts';

/** Receives what a function emits. `collect` may be called any number of times per input. */
export interface Collector<T> {
  collect(value: T): void;
}

/** Transforms one record into one record. */
export type MapFunction<T, R> = (value: T) => R;
/** Keeps the records for which it returns true. */
export type FilterFunction<T> = (value: T) => boolean;
/** Emits zero or more records per input through `out`. */
export type FlatMapFunction<T, R> = (value: T, out: Collector<R>) => void;
/** Combines two values of the same key into one (must not mutate its arguments). */
export type ReduceFunction<T> = (accumulator: T, value: T) => T;
/** Extracts the key of a record: a string, number, bigint or boolean. */
export type KeySelector<T, K extends Key> = (value: T) => K;

/** Where a function runs: which operator, which of its parallel subtasks. */
export interface RuntimeContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly operatorUid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /**
   * Operator (non-keyed) list state of this subtask, checkpointed with it. On a restore at another
   * parallelism the elements are redistributed round-robin, so each must stand on its own.
   */
  getOperatorListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
}

/** The runtime context of a function on a keyed stream: also hands out keyed state. */
export interface KeyedRuntimeContext extends RuntimeContext {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
}

/**
 * A function with a lifecycle, applied to each record of a stream (Flink's ProcessFunction).
 * Each parallel subtask works on its own shallow copy of the object, so fields set in `open`
 * belong to one subtask.
 */
export interface ProcessFunction<I, O> {
  open?(ctx: RuntimeContext): void | Promise<void>;
  processElement(value: I, ctx: RuntimeContext, out: Collector<O>): void;
  close?(): void | Promise<void>;
}

/** What a keyed function sees for each record: the key it was partitioned by. */
export interface KeyedContext<K extends Key> extends RuntimeContext {
  getCurrentKey(): K;
}

/**
 * A function on a keyed stream with access to keyed state (Flink's KeyedProcessFunction).
 * Obtain state handles in `open`; inside `processElement` they address the current key.
 *
 * @example
 * ```ts
 * class CountPerKey implements KeyedProcessFunction<string, string, [string, number]> {
 *   count!: ValueState<number>;
 *   open(ctx: KeyedRuntimeContext) { this.count = ctx.getState(new ValueStateDescriptor('count', 0)); }
 *   processElement(word: string, ctx: KeyedContext<string>, out: Collector<[string, number]>) {
 *     const n = (this.count.value() ?? 0) + 1;
 *     this.count.update(n);
 *     out.collect([ctx.getCurrentKey(), n]);
 *   }
 * }
 * ```
 */
export interface KeyedProcessFunction<K extends Key, I, O> {
  open?(ctx: KeyedRuntimeContext): void | Promise<void>;
  processElement(value: I, ctx: KeyedContext<K>, out: Collector<O>): void;
  close?(): void | Promise<void>;
}
