import type { Key } from '../../state/key.ts';
import type { Collector, KeyedRuntimeContext, RuntimeContext } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type { TimeWindow } from './time-window.ts';

/** What a window function sees when its window fires. */
export interface WindowContext {
  readonly window: TimeWindow;
  /** The operator's event time when the window fired. */
  currentWatermark(): number;
  currentProcessingTime(): number;
  /** Emits `value` to the side output `tag`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Called when a window of a key fires, with every element of the window, or with the one result
 * of `reduce`/`aggregate` when it is given to them as a second argument (Flink's
 * ProcessWindowFunction). What it emits carries the window's last millisecond as its time.
 *
 * @example
 * ```ts
 * .aggregate(count, { process(page, ctx, [n], out) { out.collect({ page, end: ctx.window.end, n }); } })
 * ```
 */
export abstract class ProcessWindowFunction<IN, OUT, K extends Key> {
  /** Keyed state obtained here is per key, across the key's windows. */
  open?(ctx: KeyedRuntimeContext): void | Promise<void>;
  abstract process(key: K, ctx: WindowContext, elements: readonly IN[], out: Collector<OUT>): void;
  close?(): void | Promise<void>;
}

/** The function of a `windowAll` window: as {@link ProcessWindowFunction}, without a key. */
export abstract class ProcessAllWindowFunction<IN, OUT> {
  open?(ctx: RuntimeContext): void | Promise<void>;
  abstract process(ctx: WindowContext, elements: readonly IN[], out: Collector<OUT>): void;
  close?(): void | Promise<void>;
}
