import type { OperatorSpec, WindowContents } from '../../graph/operator-spec.ts';
import type { Key } from '../../state/key.ts';
import { ConfigError, requireInteger } from '../../util/config-error.ts';
import type { DataStream } from '../data-stream.ts';
import type { AggregateFunction, Collector, ReduceFunction } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type { Evictor } from './evictor.ts';
import type { Trigger } from './trigger.ts';
import type { WindowAssigner } from './window-assigner.ts';
import type { ProcessAllWindowFunction, ProcessWindowFunction, WindowContext } from './window-functions.ts';

/** Adds the window operator (given by the keyed stream that was windowed). */
type AddOperator = <R>(name: string, spec: OperatorSpec) => DataStream<R>;

/**
 * A keyed stream cut into windows (Flink's WindowedStream): say how late records may be and where
 * too-late ones go, then what each window computes. Window contents and their timers are keyed
 * state, so they are checkpointed and survive crashes and rescales.
 *
 * A window fires when time reaches its last millisecond: in event time when the watermark does
 * (after that, records of it are late); in processing time when the wall clock does. What it
 * emits carries that millisecond as its event time.
 *
 * @example
 * ```ts
 * bids.keyBy((b) => b.auction)
 *   .window(slidingEventTime({ size: 10_000, slide: 2_000 }))
 *   .allowedLateness(1_000)
 *   .sideOutputLateData(lateTag)
 *   .aggregate({ create: () => 0, add: (n) => n + 1, result: (n) => n, merge: (a, b) => a + b });
 * ```
 */
export class WindowedStream<K extends Key, T> {
  #allowedLateness = 0;
  #lateTag: string | undefined;
  #trigger: Trigger<T> | undefined;
  #evictor: Evictor<T> | undefined;

  constructor(
    readonly assigner: WindowAssigner,
    readonly add: AddOperator,
  ) {}

  /**
   * Keeps each event-time window `ms` past its end (default 0, as Flink): a late record within
   * that time is still added, and the window fires again with it. Later records are too late.
   */
  allowedLateness(ms: number): this {
    this.#allowedLateness = requireInteger('allowedLateness', ms, 0);
    return this;
  }

  /** Sends records too late for every window they belong to to the side output `tag`, instead of dropping them. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.#lateTag = tag.id;
    return this;
  }

  /**
   * Decides when windows fire (and purge) instead of at their end (Flink's `trigger`): see
   * {@link Trigger} and the built-in `countTrigger`, `continuousEventTimeTrigger`,
   * `purgingTrigger`, .... Not on session windows.
   */
  trigger(trigger: Trigger<T>): this {
    this.#notOnSessions('trigger');
    this.#trigger = trigger;
    return this;
  }

  /**
   * Removes records from each window when it fires, before or after the window function
   * (Flink's `evictor`): see `countEvictor` and `timeEvictor`. The window then keeps every record,
   * and a `reduce` or `aggregate` runs over what stays at each firing. Not on session windows.
   */
  evictor(evictor: Evictor<T>): this {
    this.#notOnSessions('evictor');
    this.#evictor = evictor;
    return this;
  }

  #notOnSessions(option: 'trigger' | 'evictor'): void {
    if (this.assigner.kind === 'session') {
      throw new ConfigError(option, `${option}() is not supported on session windows (merging windows would need the ${option} to merge too): use tumbling, sliding or global windows`);
    }
  }

  /**
   * Folds each window's records with `fn` as they come (one value kept per window), and emits the
   * result, or hands it to `windowFn` for the window's metadata.
   */
  reduce<R = T>(fn: ReduceFunction<T>, windowFn?: ProcessWindowFunction<T, R, K>): DataStream<R> {
    return this.#window<R>('Window(reduce)', { type: 'reduce', reduce: fn as (a: unknown, b: unknown) => unknown }, windowFn);
  }

  /**
   * Aggregates each window incrementally with an accumulator, and emits `result(acc)`, or hands
   * it to `windowFn` for the window's metadata.
   */
  aggregate<A, R, O = R>(fn: AggregateFunction<T, A, R>, windowFn?: ProcessWindowFunction<R, O, K>): DataStream<O> {
    return this.#window<O>('Window(aggregate)', { type: 'aggregate', aggregate: fn as AggregateFunction<unknown, unknown, unknown> }, windowFn);
  }

  /** Keeps every record of each window and calls `fn` with all of them when it fires. */
  process<R>(fn: ProcessWindowFunction<T, R, K>): DataStream<R> {
    return this.#window<R>('Window(process)', { type: 'list' }, fn);
  }

  #window<R>(name: string, contents: WindowContents, windowFn: ProcessWindowFunction<never, unknown, K> | undefined): DataStream<R> {
    return this.add<R>(name, {
      kind: 'window',
      assigner: this.assigner,
      contents,
      windowFunction: windowFn as ProcessWindowFunction<unknown, unknown, Key> | undefined,
      allowedLateness: this.#allowedLateness,
      lateTag: this.#lateTag,
      trigger: this.#trigger as Trigger<unknown> | undefined,
      evictor: this.#evictor as Evictor<unknown> | undefined,
    });
  }
}

/** Windows over a whole stream (Flink's AllWindowedStream), from `windowAll`: one subtask sees every record. */
export class AllWindowedStream<T> {
  readonly #windowed: WindowedStream<number, T>;

  constructor(assigner: WindowAssigner, add: AddOperator) {
    this.#windowed = new WindowedStream<number, T>(assigner, add);
  }

  allowedLateness(ms: number): this {
    this.#windowed.allowedLateness(ms);
    return this;
  }

  sideOutputLateData(tag: OutputTag<T>): this {
    this.#windowed.sideOutputLateData(tag);
    return this;
  }

  trigger(trigger: Trigger<T>): this {
    this.#windowed.trigger(trigger);
    return this;
  }

  evictor(evictor: Evictor<T>): this {
    this.#windowed.evictor(evictor);
    return this;
  }

  reduce<R = T>(fn: ReduceFunction<T>, windowFn?: ProcessAllWindowFunction<T, R>): DataStream<R> {
    return this.#windowed.reduce<R>(fn, windowFn === undefined ? undefined : keyless(windowFn));
  }

  aggregate<A, R, O = R>(fn: AggregateFunction<T, A, R>, windowFn?: ProcessAllWindowFunction<R, O>): DataStream<O> {
    return this.#windowed.aggregate<A, R, O>(fn, windowFn === undefined ? undefined : keyless(windowFn));
  }

  process<R>(fn: ProcessAllWindowFunction<T, R>): DataStream<R> {
    return this.#windowed.process<R>(keyless(fn));
  }
}

/** A ProcessAllWindowFunction as a keyed one whose key (always 0) it does not see. */
function keyless<IN, OUT>(fn: ProcessAllWindowFunction<IN, OUT>): ProcessWindowFunction<IN, OUT, number> {
  return {
    open: fn.open === undefined ? undefined : (ctx) => fn.open!(ctx),
    close: fn.close === undefined ? undefined : () => fn.close!(),
    process: (_key: number, ctx: WindowContext, elements: readonly IN[], out: Collector<OUT>) => fn.process(ctx, elements, out),
  };
}
