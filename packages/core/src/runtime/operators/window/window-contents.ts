import type { Collector, TimerService } from '../../../api/functions.ts';
import type { TimeWindow } from '../../../api/windowing/time-window.ts';
import type { ProcessWindowFunction, WindowContext } from '../../../api/windowing/window-functions.ts';
import type { OutputTag } from '../../../api/output-tag.ts';
import type { WindowContents } from '../../../graph/operator-spec.ts';
import type { Key } from '../../../state/key.ts';
import { operatorFailure } from '../../errors.ts';
import type { Output } from '../../output/output.ts';
import { DEAD_LETTERED, retryOrDeadLetter, type OperatorContext } from '../stream-operator.ts';

/** Returned by {@link WindowFunctionRunner.add} when the record was dead-lettered: the window is unchanged. */
export const NOT_ADDED: unique symbol = Symbol('not added');

/**
 * What every window operator does with a window's contents, whatever the kind of window: fold a
 * record in (reduce, aggregate, or keep it in a list), merge two windows' contents (sessions), and
 * emit when the window fires, through the window function if there is one. The emitted records
 * carry the window's last millisecond as their time.
 */
export class WindowFunctionRunner {
  readonly #add: (acc: unknown, value: unknown) => unknown;
  readonly #context: WindowContext & { window: TimeWindow };

  constructor(
    readonly ctx: OperatorContext,
    readonly contents: WindowContents,
    readonly windowFunction: ProcessWindowFunction<unknown, unknown, Key> | undefined,
    readonly output: Output<unknown>,
    timers: TimerService,
  ) {
    switch (contents.type) {
      case 'reduce': {
        const reduce = contents.reduce;
        this.#add = (acc, value) => (acc === undefined ? value : reduce(acc, value));
        break;
      }
      case 'aggregate': {
        const agg = contents.aggregate;
        this.#add = (acc, value) => agg.add(acc === undefined ? agg.create() : acc, value);
        break;
      }
      case 'list':
        this.#add = (acc, value) => {
          if (acc === undefined) return [value];
          (acc as unknown[]).push(value);
          return acc;
        };
        break;
    }
    const sides = ctx.sideOutputs;
    this.#context = {
      window: { start: 0, end: 0 },
      currentWatermark: () => timers.currentWatermark(),
      currentProcessingTime: () => timers.currentProcessingTime(),
      output<X>(tag: OutputTag<X>, value: X): void {
        sides.get(tag.id)?.collect(value);
      },
    };
  }

  /** The contents after `value` (`acc` undefined: a new window); {@link NOT_ADDED} if the record was dead-lettered. */
  add(acc: unknown, value: unknown): unknown {
    try {
      return this.#add(acc, value);
    } catch (e) {
      const retried = retryOrDeadLetter(this.ctx, value, e, () => this.#add(acc, value));
      return retried === DEAD_LETTERED ? NOT_ADDED : retried;
    }
  }

  /** The contents of two windows merged into one (session windows). */
  merge(a: unknown, b: unknown): unknown {
    const c = this.contents;
    try {
      switch (c.type) {
        case 'reduce':
          return c.reduce(a, b);
        case 'aggregate':
          return c.aggregate.merge!(a, b);
        case 'list':
          return (a as unknown[]).concat(b as unknown[]);
      }
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'merge');
    }
  }

  /** The window fired: emits its result (or what the window function makes of it). */
  fire(key: Key, window: TimeWindow, acc: unknown): void {
    this.ctx.time.timestamp = window.end - 1;
    try {
      const c = this.contents;
      const result = c.type === 'aggregate' ? c.aggregate.result(acc) : acc;
      const fn = this.windowFunction;
      if (fn === undefined) {
        this.output.collect(result);
        return;
      }
      this.#context.window = window;
      fn.process(key, this.#context, c.type === 'list' ? (acc as unknown[]) : [result], this.output as Collector<unknown>);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'window function');
    }
  }
}

/** The error for a record without event time in an event-time window. */
export function missingTimestamp(ctx: OperatorContext): Error {
  return operatorFailure(
    ctx,
    new Error(
      'a record has no event time, but the window is in event time: give its source a watermark strategy ' +
        '(env.fromSource(source, watermarks.boundedOutOfOrderness(...))), or use a processing-time window',
    ),
    'window',
  );
}
