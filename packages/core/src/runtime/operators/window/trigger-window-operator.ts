import type { Evictor, TimestampedValue } from '../../../api/windowing/evictor.ts';
import { maxTimestamp, type TimeWindow } from '../../../api/windowing/time-window.ts';
import { eventTimeTrigger, neverTrigger, processingTimeTrigger, type Trigger, type TriggerContext, type TriggerResult } from '../../../api/windowing/trigger.ts';
import { assignWindows, GLOBAL_WINDOW, type WindowAssigner } from '../../../api/windowing/window-assigner.ts';
import type { WindowSpec } from '../../../graph/operator-spec.ts';
import { MapStateDescriptor, type ReducingStateDescriptor, type ValueStateDescriptor } from '../../../state/descriptors.ts';
import type { Key } from '../../../state/key.ts';
import type { MapState, ReducingState, ValueState } from '../../../state/state.ts';
import { operatorFailure } from '../../errors.ts';
import type { Output } from '../../output/output.ts';
import type { OperatorContext } from '../stream-operator.ts';
import { KeyedWindowOperator } from './keyed-window-operator.ts';
import { NOT_ADDED } from './window-contents.ts';

/** The keyed state of windows with a trigger or an evictor: per key, window end → [window start, contents]. */
export const TRIGGER_WINDOW_STATE = '__trigger_windows';
/** Per key, timer time → the ends of the windows whose trigger (or cleanup) wants it. */
const EVENT_TIMER_WINDOWS = '__trigger_event_timers';
const PROCESSING_TIMER_WINDOWS = '__trigger_processing_timers';
/**
 * Per key, window end → the trigger's state of that window, by state name: one map for every
 * name, so that cleaning a window up drops all of it, whatever names a trigger used (in this run
 * or in the one a checkpoint came from).
 */
const TRIGGER_STATE = '__trigger_state';

type Stored = [start: number, contents: unknown];
type Domain = 'event' | 'processing';

/**
 * Windows cut by a trigger, with or without an evictor (Flink's WindowOperator and
 * EvictingWindowOperator, for tumbling, sliding and global windows). The built-in windows without
 * either run on their own leaner operators (AlignedWindowOperator, SessionWindowOperator); this
 * one is what `.trigger(t)`, `.evictor(e)`, `globalWindows()` and `countWindow(n)` get.
 *
 * Per key, a window is known by its end (a window's start follows from it for every assigner
 * here). Timers are per (key, time) and carry no window, so which windows asked for a time is kept
 * per key beside them (`time → window ends`): when one fires, the trigger is asked about each of
 * those windows. A window is cleaned up, its contents and its trigger's state dropped, at its end
 * plus the allowed lateness (event time), at its end (processing time), or never (the global
 * window): a timer registered when its first record arrives.
 */
export class TriggerWindowOperator<I> extends KeyedWindowOperator<I> {
  readonly #windows: MapState<number, Stored>;
  readonly #eventTimers: MapState<number, number[]>;
  readonly #processingTimers: MapState<number, number[]>;
  readonly #assigner: WindowAssigner;
  readonly #trigger: Trigger<unknown>;
  readonly #evictor: Evictor<unknown> | undefined;
  readonly #triggerState: MapState<number, Record<string, unknown>>;
  readonly #states = new Map<string, ValueState<unknown> | ReducingState<unknown>>();
  readonly #ctx: TriggerContext;
  /** The window the trigger is being asked about: its timers and state are that window's. */
  #window: TimeWindow = GLOBAL_WINDOW;

  constructor(ctx: OperatorContext, output: Output<unknown>, spec: WindowSpec) {
    super(ctx, output, spec);
    this.#assigner = spec.assigner;
    this.#trigger = spec.trigger ?? defaultTrigger(spec.assigner);
    this.#evictor = spec.evictor;
    this.#windows = this.backend.getMapState(new MapStateDescriptor<number, Stored>(TRIGGER_WINDOW_STATE));
    this.#eventTimers = this.backend.getMapState(new MapStateDescriptor<number, number[]>(EVENT_TIMER_WINDOWS));
    this.#processingTimers = this.backend.getMapState(new MapStateDescriptor<number, number[]>(PROCESSING_TIMER_WINDOWS));
    this.#triggerState = this.backend.getMapState(new MapStateDescriptor<number, Record<string, unknown>>(TRIGGER_STATE));
    this.#ctx = {
      currentWatermark: () => this.timers.currentWatermark(),
      currentProcessingTime: () => this.timers.currentProcessingTime(),
      registerEventTimeTimer: (time) => this.#register('event', time),
      deleteEventTimeTimer: (time) => this.#unregister('event', time),
      registerProcessingTimeTimer: (time) => this.#register('processing', time),
      deleteProcessingTimeTimer: (time) => this.#unregister('processing', time),
      getState: <S>(d: ValueStateDescriptor<S>) => this.#valueState(d as ValueStateDescriptor<unknown>) as ValueState<S>,
      getReducingState: <S>(d: ReducingStateDescriptor<S>) => this.#reducingState(d as unknown as ReducingStateDescriptor<unknown>) as ReducingState<S>,
    };
  }

  collect(value: I): void {
    const ts = this.#timestampOf();
    const key = this.backend.getCurrentKey();
    let placed = false;
    for (const window of assignWindows(this.#assigner, ts)) {
      if (this.isLate(maxTimestamp(window))) continue;
      placed = true;
      const stored = this.#windows.get(window.end);
      let contents: unknown;
      if (this.#evictor === undefined) {
        contents = this.runner.add(stored?.[1], value);
        // Dead-lettered: in no window at all, as in the other window operators.
        if (contents === NOT_ADDED) return;
      } else {
        const elements = (stored?.[1] as TimestampedValue<unknown>[] | undefined) ?? [];
        elements.push({ value, timestamp: ts });
        contents = elements;
      }
      this.#windows.put(window.end, [window.start, contents]);
      this.#window = window;
      const result = this.#ask(() => this.#trigger.onElement(value, ts, window, this.#ctx));
      this.#act(result, key, window, contents);
      // After the trigger, every time (as Flink): a trigger that deleted its own timer at the
      // cleanup time deleted the cleanup's too, which shares the entry.
      this.#registerCleanup(window);
    }
    if (!placed) this.lateRecord(value);
  }

  override onEventTime(timestamp: number, key: Key): void {
    this.#onTimer('event', timestamp, key);
  }

  override onProcessingTime(timestamp: number, key: Key): void {
    this.#onTimer('processing', timestamp, key);
  }

  /** Unused: timers reach this operator through {@link onEventTime} and {@link onProcessingTime}, by window. */
  protected onTimer(): void {}

  #onTimer(domain: Domain, time: number, key: Key): void {
    const registry = domain === 'event' ? this.#eventTimers : this.#processingTimers;
    const ends = registry.get(time);
    if (ends === undefined) return;
    registry.remove(time);
    for (const end of ends) {
      const window = this.#windowEnding(end);
      this.#window = window;
      const result = this.#ask(() =>
        domain === 'event' ? this.#trigger.onEventTime(time, window, this.#ctx) : this.#trigger.onProcessingTime(time, window, this.#ctx),
      );
      const stored = this.#windows.get(end);
      if (stored !== undefined) this.#act(result, key, window, stored[1]);
      if (domain === (this.eventTime ? 'event' : 'processing') && time === this.#cleanupTime(window)) this.#clear(window);
    }
  }

  /** Fires and purges as the trigger said. */
  #act(result: TriggerResult, key: Key, window: TimeWindow, contents: unknown): void {
    if (result === 'continue') return;
    if (result === 'fire' || result === 'fire-and-purge') this.#emit(key, window, contents);
    if (result === 'purge' || result === 'fire-and-purge') this.#windows.remove(window.end);
  }

  #emit(key: Key, window: TimeWindow, contents: unknown): void {
    const evictor = this.#evictor;
    if (evictor === undefined) {
      this.runner.fire(key, window, contents);
      return;
    }
    const all = contents as TimestampedValue<unknown>[];
    let kept = evictor.evictBefore === undefined ? all : this.#evict(() => evictor.evictBefore!(all, window));
    // With an evictor the window keeps every record; its reduce or aggregate runs over what stays.
    // A record the fold dead-letters leaves the window, so that it is dead-lettered once.
    const kind = this.spec.contents.type;
    let acc: unknown = kind === 'aggregate' ? this.spec.contents.aggregate.create() : kind === 'list' ? [] : undefined;
    let poisoned: Set<TimestampedValue<unknown>> | undefined;
    for (const e of kept) {
      // A reduce may change its accumulator in place: never a record the window still holds.
      const value = acc === undefined ? structuredClone(e.value) : e.value;
      const next = this.runner.add(acc, value);
      if (next === NOT_ADDED) (poisoned ??= new Set()).add(e);
      else acc = next;
    }
    if (poisoned !== undefined) kept = kept.filter((e) => !poisoned.has(e));
    // Nothing left: a process function still sees its (empty) window, an aggregate its empty
    // result, as in Flink; a reduce has nothing to emit.
    if (acc !== undefined) this.runner.fire(key, window, acc);
    const after = evictor.evictAfter === undefined ? kept : this.#evict(() => evictor.evictAfter!(kept, window));
    if (after === all) return;
    if (after.length === 0) this.#windows.remove(window.end);
    else this.#windows.put(window.end, [window.start, [...after]]);
  }

  /** Drops a window: its contents, its trigger's timers (the trigger's `clear`) and all its trigger's state. */
  #clear(window: TimeWindow): void {
    this.#window = window;
    this.#windows.remove(window.end);
    this.#ask(() => {
      this.#trigger.clear(window, this.#ctx);
      return 'continue';
    });
    this.#triggerState.remove(window.end);
  }

  /** When a window is dropped: its end plus the allowed lateness in event time, its end in processing time, never for the global window. */
  #cleanupTime(window: TimeWindow): number {
    return this.eventTime ? maxTimestamp(window) + this.lateness : window.end;
  }

  #registerCleanup(window: TimeWindow): void {
    if (window.end === Infinity) return;
    this.#window = window;
    this.#register(this.eventTime ? 'event' : 'processing', this.#cleanupTime(window));
  }

  /** The window of this operator's assigner that ends at `end`. */
  #windowEnding(end: number): TimeWindow {
    const a = this.#assigner;
    if (a.kind === 'tumbling' || a.kind === 'sliding') return { start: end - a.size, end };
    return GLOBAL_WINDOW;
  }

  /** A record's time: its event time in event-time windows; in the global window, its event time if it has one, else the wall clock. */
  #timestampOf(): number {
    if (this.#assigner.kind !== 'global') return this.timestamp();
    const ts = this.ctx.time.timestamp;
    return Number.isNaN(ts) ? this.ctx.processingTime.now() : ts;
  }

  #register(domain: Domain, time: number): void {
    const registry = domain === 'event' ? this.#eventTimers : this.#processingTimers;
    const end = this.#window.end;
    const ends = registry.get(time);
    if (ends === undefined) {
      registry.put(time, [end]);
      if (domain === 'event') this.timers.registerEventTimeTimer(time);
      else this.timers.registerProcessingTimeTimer(time);
    } else if (!ends.includes(end)) {
      ends.push(end);
      registry.put(time, ends);
    }
  }

  #unregister(domain: Domain, time: number): void {
    const registry = domain === 'event' ? this.#eventTimers : this.#processingTimers;
    const ends = registry.get(time);
    const at = ends === undefined ? -1 : ends.indexOf(this.#window.end);
    if (at < 0) return;
    if (ends!.length > 1) {
      ends!.splice(at, 1);
      registry.put(time, ends!);
      return;
    }
    registry.remove(time);
    if (domain === 'event') this.timers.deleteEventTimeTimer(time);
    else this.timers.deleteProcessingTimeTimer(time);
  }

  /** The trigger's value state `d` of the current key, for the window being asked about (one facade per descriptor). */
  #valueState(d: ValueStateDescriptor<unknown>): ValueState<unknown> {
    const cached = this.#states.get(d.name);
    if (cached !== undefined) return cached as ValueState<unknown>;
    const state: ValueState<unknown> = {
      value: () => {
        const v = this.#stateOf(d.name);
        if (v !== undefined) return v;
        // An object default is copied, as the keyed ValueState does, so that changing it changes no other window.
        const fallback = d.defaultValue;
        return typeof fallback === 'object' && fallback !== null ? structuredClone(fallback) : fallback;
      },
      update: (v) => this.#setState(d.name, v),
      clear: () => this.#setState(d.name, undefined),
    };
    this.#states.set(d.name, state);
    return state;
  }

  #reducingState(d: ReducingStateDescriptor<unknown>): ReducingState<unknown> {
    const cached = this.#states.get(d.name);
    if (cached !== undefined) return cached as ReducingState<unknown>;
    const state: ReducingState<unknown> = {
      get: () => this.#stateOf(d.name),
      add: (v) => {
        const now = this.#stateOf(d.name);
        this.#setState(d.name, now === undefined ? v : d.reduce(now, v));
      },
      clear: () => this.#setState(d.name, undefined),
    };
    this.#states.set(d.name, state);
    return state;
  }

  #stateOf(name: string): unknown {
    return this.#triggerState.get(this.#window.end)?.[name];
  }

  /** Sets (or, with undefined, clears) the trigger's state `name` of the current window. */
  #setState(name: string, value: unknown): void {
    const end = this.#window.end;
    const all = this.#triggerState.get(end);
    if (value === undefined) {
      if (all === undefined || !(name in all)) return;
      delete all[name];
      for (const _ in all) {
        this.#triggerState.put(end, all);
        return;
      }
      this.#triggerState.remove(end);
      return;
    }
    if (all === undefined) this.#triggerState.put(end, { [name]: value });
    else {
      all[name] = value;
      this.#triggerState.put(end, all);
    }
  }

  /** A trigger's answer; a throw fails the job (as a window function's does), naming the trigger. */
  #ask(call: () => TriggerResult): TriggerResult {
    try {
      return call();
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'trigger');
    }
  }

  #evict(call: () => readonly TimestampedValue<unknown>[]): readonly TimestampedValue<unknown>[] {
    try {
      return call();
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'evictor');
    }
  }
}

/** What a window fires on without `.trigger(t)`: its end, in its time domain; the global window never. */
function defaultTrigger(assigner: WindowAssigner): Trigger<unknown> {
  if (assigner.kind === 'global') return neverTrigger();
  return assigner.timeDomain === 'event-time' ? eventTimeTrigger() : processingTimeTrigger();
}
