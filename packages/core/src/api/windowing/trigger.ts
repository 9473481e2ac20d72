import { ReducingStateDescriptor, ValueStateDescriptor } from '../../state/descriptors.ts';
import type { ReducingState, ValueState } from '../../state/state.ts';
import { requireInteger } from '../../util/config-error.ts';
import { maxTimestamp, type TimeWindow } from './time-window.ts';

/**
 * What a trigger decides for a window (Flink's TriggerResult): `continue` does nothing; `fire`
 * emits the window's result and keeps its contents; `purge` drops the contents; `fire-and-purge`
 * does both. A window's trigger state and timers outlive a purge until the window is cleaned up
 * (its end, plus the allowed lateness in event time).
 */
export type TriggerResult = 'continue' | 'fire' | 'purge' | 'fire-and-purge';

/**
 * What a trigger can do for the window it is called about (Flink's Trigger.TriggerContext). Timers
 * and state here are the window's own: a timer fires the trigger's `onEventTime` /
 * `onProcessingTime` for this window; state is per key and window, checkpointed with the job.
 */
export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  /** A value of this trigger for the current key and window (Flink's getPartitionedState). */
  getState<S>(descriptor: ValueStateDescriptor<S>): ValueState<S>;
  /** A folded value of this trigger for the current key and window. */
  getReducingState<S>(descriptor: ReducingStateDescriptor<S>): ReducingState<S>;
}

/**
 * When a window emits (Flink's Trigger), set with `.trigger(t)` on a windowed stream; it replaces
 * the window's default trigger (`eventTimeTrigger()` for event-time windows,
 * `processingTimeTrigger()` for processing-time ones, nothing for `globalWindows()`).
 *
 * One trigger object serves every key, window and subtask: keep what it counts in `ctx` state,
 * not in fields. Not supported on session windows (they would need the trigger to merge state).
 *
 * @example Early results of an hour window every minute of event time, and the final one at its end:
 * ```ts
 * .window(tumblingEventTime({ size: 3_600_000 })).trigger(continuousEventTimeTrigger(60_000))
 * ```
 */
export interface Trigger<T> {
  /** A record was added to `window` (its time is `timestamp`). */
  onElement(element: T, timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** An event-time timer this trigger registered for `window` fired. */
  onEventTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** A processing-time timer this trigger registered for `window` fired. */
  onProcessingTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** The window is cleaned up: delete the timers this trigger registered for it (its state is cleared for it). */
  clear(window: TimeWindow, ctx: TriggerContext): void;
}

/**
 * Fires once the watermark passes the window's end, and again for each late record within the
 * allowed lateness: the default of event-time windows (Flink's EventTimeTrigger).
 */
export function eventTimeTrigger<T = unknown>(): Trigger<T> {
  return {
    onElement(_e, _ts, window, ctx) {
      if (maxTimestamp(window) <= ctx.currentWatermark()) return 'fire';
      ctx.registerEventTimeTimer(maxTimestamp(window));
      return 'continue';
    },
    onEventTime: (time, window) => (time === maxTimestamp(window) ? 'fire' : 'continue'),
    onProcessingTime: () => 'continue',
    clear(window, ctx) {
      ctx.deleteEventTimeTimer(maxTimestamp(window));
    },
  };
}

/**
 * Fires when the wall clock reaches the window's end: the default of processing-time windows
 * (Flink's ProcessingTimeTrigger). Its timer is at the end, not the last millisecond, as the
 * built-in windows do: a record read in the last millisecond still belongs to the window.
 */
export function processingTimeTrigger<T = unknown>(): Trigger<T> {
  return {
    onElement(_e, _ts, window, ctx) {
      ctx.registerProcessingTimeTimer(window.end);
      return 'continue';
    },
    onEventTime: () => 'continue',
    onProcessingTime: (time, window) => (time === window.end ? 'fire' : 'continue'),
    clear(window, ctx) {
      ctx.deleteProcessingTimeTimer(window.end);
    },
  };
}


/**
 * Fires every `count` records of a window, counting from the last firing (Flink's CountTrigger);
 * time plays no part. With `globalWindows()`, `purgingTrigger(countTrigger(n))` makes windows of
 * n records each (what `countWindow(n)` builds).
 */
export function countTrigger<T = unknown>(count: number): Trigger<T> {
  const max = requireInteger('countTrigger count', count, 1);
  const descriptor = new ReducingStateDescriptor<number>('count-trigger', (a, b) => a + b);
  return {
    onElement(_e, _ts, _window, ctx) {
      const seen = ctx.getReducingState(descriptor);
      seen.add(1);
      if (seen.get()! < max) return 'continue';
      seen.clear();
      return 'fire';
    },
    onEventTime: () => 'continue',
    onProcessingTime: () => 'continue',
    clear(_window, ctx) {
      ctx.getReducingState(descriptor).clear();
    },
  };
}

/**
 * Fires every `interval` ms of event time while the window is open (at the multiples of the
 * interval, as the watermark passes them), and at the window's end (Flink's
 * ContinuousEventTimeTrigger): early results of long windows. Unlike Flink's, when the watermark
 * jumps over several intervals (or to the end of input) it fires once, not once per interval with
 * the same contents: on the global window at the end of input Flink's would never stop.
 */
export function continuousEventTimeTrigger<T = unknown>(interval: number): Trigger<T> {
  const every = requireInteger('continuousEventTimeTrigger interval', interval, 1);
  const next = new ValueStateDescriptor<number>('continuous-trigger');
  return {
    onElement(_e, timestamp, window, ctx) {
      if (maxTimestamp(window) <= ctx.currentWatermark()) return 'fire';
      ctx.registerEventTimeTimer(maxTimestamp(window));
      if (ctx.getState(next).value() === undefined) scheduleNext(timestamp - floorMod(timestamp, every), every, maxTimestamp(window), ctx, next, 'event');
      return 'continue';
    },
    onEventTime(time, window, ctx) {
      if (time === maxTimestamp(window)) return 'fire';
      if (ctx.getState(next).value() !== time) return 'continue';
      // Event time jumped past the window's end too (the end of input): its own firing follows in
      // this same step, with the same contents.
      if (maxTimestamp(window) <= ctx.currentWatermark()) {
        ctx.getState(next).clear();
        return 'continue';
      }
      scheduleNext(time, every, maxTimestamp(window), ctx, next, 'event');
      return 'fire';
    },
    onProcessingTime: () => 'continue',
    clear(window, ctx) {
      ctx.deleteEventTimeTimer(maxTimestamp(window));
      clearNext(ctx, next, 'event');
    },
  };
}

/**
 * Fires every `interval` ms of wall-clock time once the window has a record, and at its end
 * (Flink's ContinuousProcessingTimeTrigger).
 */
export function continuousProcessingTimeTrigger<T = unknown>(interval: number): Trigger<T> {
  const every = requireInteger('continuousProcessingTimeTrigger interval', interval, 1);
  const next = new ValueStateDescriptor<number>('continuous-trigger');
  return {
    onElement(_e, _ts, window, ctx) {
      ctx.registerProcessingTimeTimer(window.end);
      const now = ctx.currentProcessingTime();
      if (ctx.getState(next).value() === undefined) scheduleNext(now - floorMod(now, every), every, window.end, ctx, next, 'processing');
      return 'continue';
    },
    onEventTime: () => 'continue',
    onProcessingTime(time, window, ctx) {
      if (time === window.end) return 'fire';
      if (ctx.getState(next).value() !== time) return 'continue';
      // The clock is past the window's end too: its own firing follows at once, with the same contents.
      if (window.end <= ctx.currentProcessingTime()) {
        ctx.getState(next).clear();
        return 'continue';
      }
      scheduleNext(time, every, window.end, ctx, next, 'processing');
      return 'fire';
    },
    clear(window, ctx) {
      ctx.deleteProcessingTimeTimer(window.end);
      clearNext(ctx, next, 'processing');
    },
  };
}

function floorMod(x: number, m: number): number {
  return ((x % m) + m) % m;
}

/**
 * The next firing of a continuous trigger: one interval on, or the first interval past `now` (the
 * watermark or the clock) when time has jumped further (the firings in between would emit the same
 * contents, one after the other), and no later than the window's own firing. None when time is at
 * its end (the +∞ watermark of a finished input): the global window would fire forever.
 */
function scheduleNext(from: number, every: number, last: number, ctx: TriggerContext, d: ValueStateDescriptor<number>, domain: 'event' | 'processing'): void {
  const now = domain === 'event' ? ctx.currentWatermark() : ctx.currentProcessingTime();
  let at = from + every;
  if (at <= now) at = now - floorMod(now, every) + every;
  at = Math.min(at, last);
  const pending = ctx.getState(d);
  if (!Number.isFinite(at)) {
    pending.clear();
    return;
  }
  pending.update(at);
  if (domain === 'event') ctx.registerEventTimeTimer(at);
  else ctx.registerProcessingTimeTimer(at);
}

function clearNext(ctx: TriggerContext, d: ValueStateDescriptor<number>, domain: 'event' | 'processing'): void {
  const pending = ctx.getState(d);
  const at = pending.value();
  if (at !== undefined) {
    if (domain === 'event') ctx.deleteEventTimeTimer(at);
    else ctx.deleteProcessingTimeTimer(at);
  }
  pending.clear();
}

/** `trigger`, with every firing also purging the window's contents (Flink's PurgingTrigger). */
export function purgingTrigger<T>(trigger: Trigger<T>): Trigger<T> {
  const purging = (r: TriggerResult): TriggerResult => (r === 'fire' || r === 'fire-and-purge' ? 'fire-and-purge' : r);
  return {
    onElement: (e, ts, w, ctx) => purging(trigger.onElement(e, ts, w, ctx)),
    onEventTime: (time, w, ctx) => purging(trigger.onEventTime(time, w, ctx)),
    onProcessingTime: (time, w, ctx) => purging(trigger.onProcessingTime(time, w, ctx)),
    clear: (w, ctx) => trigger.clear(w, ctx),
  };
}

/** Never fires: the default of `globalWindows()`, whose one window never ends (Flink's NeverTrigger). */
export function neverTrigger<T = unknown>(): Trigger<T> {
  return { onElement: () => 'continue', onEventTime: () => 'continue', onProcessingTime: () => 'continue', clear: () => {} };
}
