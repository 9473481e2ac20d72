import type {
  AggregateFunction,
  CoProcessFunction,
  Collector,
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  ProcessFunction,
  ProcessJoinFunction,
} from '../api/functions.ts';
import type { Trigger } from '../api/windowing/trigger.ts';
import type { Evictor } from '../api/windowing/evictor.ts';
import type { WatermarkStrategy } from '../api/watermarks/watermark-strategy.ts';
import type { WindowAssigner } from '../api/windowing/window-assigner.ts';
import type { ProcessWindowFunction } from '../api/windowing/window-functions.ts';
import type { Sink } from '../connector/sink.ts';
import type { Key } from '../state/key.ts';

/**
 * What an operator does, as the API describes it: a kind and the user's function (or sink). The
 * runtime builds the operator of each subtask from it (runtime/operators/create-operator.ts), so
 * the API never reaches into the runtime.
 */
export type OperatorSpec =
  | { readonly kind: 'map'; readonly fn: (value: unknown) => unknown }
  | { readonly kind: 'filter'; readonly fn: (value: unknown) => boolean }
  | { readonly kind: 'flatMap'; readonly fn: (value: unknown, out: Collector<unknown>) => void }
  | { readonly kind: 'process'; readonly fn: ProcessFunction<unknown, unknown> }
  | { readonly kind: 'reduce'; readonly fn: (accumulator: unknown, value: unknown) => unknown }
  | { readonly kind: 'keyedProcess'; readonly fn: KeyedProcessFunction<Key, unknown, unknown> }
  | WindowSpec
  | { readonly kind: 'coProcess'; readonly fn: CoProcessFunction<unknown, unknown, unknown> }
  | { readonly kind: 'keyedCoProcess'; readonly fn: KeyedCoProcessFunction<Key, unknown, unknown, unknown> }
  | IntervalJoinSpec
  | TimestampsAndWatermarksSpec
  | { readonly kind: 'sink'; readonly sink: Sink<unknown> };

/** What a window keeps per key and window until it fires. */
export type WindowContents =
  /** One value, folded with `reduce`. */
  | { readonly type: 'reduce'; readonly reduce: (accumulator: unknown, value: unknown) => unknown }
  /** An accumulator of an AggregateFunction. */
  | { readonly type: 'aggregate'; readonly aggregate: AggregateFunction<unknown, unknown, unknown> }
  /** Every element (for a ProcessWindowFunction without pre-aggregation). */
  | { readonly type: 'list' };

/** A keyed window: assigner, contents, the function applied when it fires, lateness. */
export interface WindowSpec {
  readonly kind: 'window';
  readonly assigner: WindowAssigner;
  readonly contents: WindowContents;
  /** Applied to the window's elements (or its one result) when it fires; `undefined`: emit the result itself. */
  readonly windowFunction: ProcessWindowFunction<unknown, unknown, Key> | undefined;
  /** How long after its end (event time) a window still takes late records and fires again. */
  readonly allowedLateness: number;
  /** Side output for records too late for any window; `undefined`: they are dropped (and counted). */
  readonly lateTag: string | undefined;
  /** When windows fire, instead of at their end (`.trigger(t)`). */
  readonly trigger?: Trigger<unknown>;
  /** What leaves a window when it fires (`.evictor(e)`). */
  readonly evictor?: Evictor<unknown>;
}

/** `a.intervalJoin(b).between(lower, upper)`: pairs with `a.ts + lower ≤ b.ts ≤ a.ts + upper`. */
export interface IntervalJoinSpec {
  readonly kind: 'intervalJoin';
  readonly lower: number;
  readonly upper: number;
  readonly lowerInclusive: boolean;
  readonly upperInclusive: boolean;
  readonly fn: ProcessJoinFunction<unknown, unknown, unknown>;
}

/** `stream.assignTimestampsAndWatermarks(strategy)`: event time and watermarks made mid-stream. */
export interface TimestampsAndWatermarksSpec {
  readonly kind: 'timestampsAndWatermarks';
  readonly strategy: WatermarkStrategy<unknown>;
  /** The environment's auto-watermark interval (ms), filled in when the job is submitted, as a source's is. */
  autoWatermarkInterval: number;
}

/** Operators that keep keyed state and so need a keyed input (both inputs, for two-input ones). */
export function needsKeyedInput(spec: OperatorSpec): boolean {
  return (
    spec.kind === 'reduce' ||
    spec.kind === 'keyedProcess' ||
    spec.kind === 'window' ||
    spec.kind === 'keyedCoProcess' ||
    spec.kind === 'intervalJoin'
  );
}

/** Operators with two inputs (`connect`, `intervalJoin`). */
export function isTwoInput(spec: OperatorSpec): boolean {
  return spec.kind === 'coProcess' || spec.kind === 'keyedCoProcess' || spec.kind === 'intervalJoin';
}

/**
 * Operators whose output has event time even when their input has none: a window's output carries
 * its end; `assignTimestampsAndWatermarks` assigns it. (A keyed process function's output keeps its
 * input's time; event-time timers need watermarks, which come with timestamps.)
 */
export function makesTimestamps(spec: OperatorSpec): boolean {
  return spec.kind === 'window' || spec.kind === 'timestampsAndWatermarks';
}
