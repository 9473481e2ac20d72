import type { Key } from '../state/key.ts';
import type {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/descriptors.ts';
import type { ListState, MapState, ReducingState, ValueState } from '../state/state.ts';
import type { OutputTag } from './output-tag.ts';

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

/**
 * Timers of the current key (Flink's TimerService), in a keyed function. An event-time timer fires
 * (`onTimer`) once the watermark reaches its time, a processing-time timer once the wall clock
 * does; each (key, time) is one timer however often it is registered, timers fire in time order,
 * and they are keyed state: checkpointed, restored, and moved with their key on a rescale.
 * Processing-time timers run on the task's loop between records: use them for "retry in 30 s" or
 * "not completed within 10 minutes" without ever sleeping a task.
 */
export interface TimerService {
  /** Wall-clock time, ms since the epoch. */
  currentProcessingTime(): number;
  /** The operator's event time: the last watermark it received (`-Infinity` before the first). */
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  /** Removes the current key's timer at `time`, if one is pending. */
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** Which clock a timer follows. */
export type TimeDomain = 'event-time' | 'processing-time';

/** What a keyed function sees for each record: the key it was partitioned by, its time, timers, side outputs. */
export interface KeyedContext<K extends Key> extends RuntimeContext {
  getCurrentKey(): K;
  /**
   * The record's event time; `undefined` when it has none. In `onTimer`: the timer's time (what
   * an event-time timer emits carries it; what a processing-time timer emits has no event time).
   */
  timestamp(): number | undefined;
  /** Timers of the current key. */
  readonly timerService: TimerService;
  /** Emits `value` to the side output `tag` (read it with `getSideOutput(tag)`). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** What `onTimer` sees: the timer's key as the current key, its time as `timestamp()`, and its clock. */
export interface OnTimerContext<K extends Key> extends KeyedContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * A function on a keyed stream with access to keyed state and timers (Flink's
 * KeyedProcessFunction). Obtain state handles in `open`; inside `processElement` and `onTimer`
 * they address the current key. Implement it (`implements`), extend it, or pass an object literal.
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
 * @example Alert when a card sees no payment within a minute of an authorization:
 * ```ts
 * processElement(t, ctx) { ctx.timerService.registerEventTimeTimer(t.time + 60_000); }
 * onTimer(ts, ctx, out) { if (!this.paid.value()) out.collect({ card: ctx.getCurrentKey(), at: ts }); }
 * ```
 */
export abstract class KeyedProcessFunction<K extends Key, I, O> {
  open?(ctx: KeyedRuntimeContext): void | Promise<void>;
  abstract processElement(value: I, ctx: KeyedContext<K>, out: Collector<O>): void;
  /** A timer of the current key fired (event time: the watermark reached `timestamp`). */
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void;
  close?(): void | Promise<void>;
}

/**
 * An incremental aggregation (Flink's AggregateFunction): an accumulator per key and window,
 * created, updated per record, read out when the window fires. `merge` combines two accumulators
 * and is required for session windows, which merge.
 *
 * @example `{ create: () => 0, add: (acc, b) => acc + 1, result: (acc) => acc, merge: (a, b) => a + b }`
 */
export interface AggregateFunction<T, A, R> {
  create(): A;
  /** The accumulator after `value`; may change `acc` in place and return it. */
  add(acc: A, value: T): A;
  result(acc: A): R;
  merge?(a: A, b: A): A;
}

/** Two-input function (Flink's CoProcessFunction), after `a.connect(b)`: one method per input. */
export abstract class CoProcessFunction<I1, I2, O> {
  open?(ctx: RuntimeContext): void | Promise<void>;
  abstract processElement1(value: I1, ctx: CoProcessContext, out: Collector<O>): void;
  abstract processElement2(value: I2, ctx: CoProcessContext, out: Collector<O>): void;
  close?(): void | Promise<void>;
}

/** What a non-keyed two-input function sees per record. */
export interface CoProcessContext extends RuntimeContext {
  /** The record's event time; `undefined` when it has none. */
  timestamp(): number | undefined;
  /** The operator's event time (the minimum over both inputs). */
  currentWatermark(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Two keyed inputs with the same key type, keyed state and timers shared by both (Flink's
 * KeyedCoProcessFunction), after `a.keyBy(f).connect(b.keyBy(g))`: a join, an enrichment, a rule
 * stream applied to events. State and timers address the current record's key, whichever input
 * it came from.
 */
export abstract class KeyedCoProcessFunction<K extends Key, I1, I2, O> {
  open?(ctx: KeyedRuntimeContext): void | Promise<void>;
  abstract processElement1(value: I1, ctx: KeyedContext<K>, out: Collector<O>): void;
  abstract processElement2(value: I2, ctx: KeyedContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void;
  close?(): void | Promise<void>;
}

/** What an interval join's function sees for one pair. */
export interface ProcessJoinContext {
  readonly leftTimestamp: number;
  readonly rightTimestamp: number;
  /** The pair's event time: the larger of the two. */
  readonly timestamp: number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Called once per pair an interval join matched (Flink's ProcessJoinFunction). */
export abstract class ProcessJoinFunction<L, R, O> {
  open?(ctx: KeyedRuntimeContext): void | Promise<void>;
  abstract processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<O>): void;
  close?(): void | Promise<void>;
}
