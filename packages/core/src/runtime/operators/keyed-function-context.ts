import type { Collector, KeyedRuntimeContext, OnTimerContext, TimeDomain, TimerService } from '../../api/functions.ts';
import { operatorFailure } from '../errors.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import type { Key } from '../../state/key.ts';
import type { OperatorStateStore } from '../../state/operator/operator-state-store.ts';
import type { KeyedStateBackend } from '../../state/state-backend.ts';
import { runtimeContext } from './runtime-context.ts';
import type { OperatorContext } from './stream-operator.ts';

/** The one context object a keyed function gets, in `open`, per record and in `onTimer`. */
export type KeyedFunctionContext<K extends Key> = OnTimerContext<K> & KeyedRuntimeContext & {
  /** Set by the operator before `onTimer`. */
  domain: TimeDomain;
  /** The time of the timer firing (NaN outside `onTimer`): `timestamp()` in `onTimer`, as in Flink. */
  timerTime: number;
};

/**
 * Builds the context of a keyed function: state handles and the current key from the backend, the
 * record's time from the task's {@link RecordTime}, the operator's timers, side outputs by tag.
 * One object per subtask, reused for every call: no allocation per record.
 */
export function keyedFunctionContext<K extends Key>(
  ctx: OperatorContext,
  store: OperatorStateStore,
  backend: KeyedStateBackend,
  timerService: TimerService,
): KeyedFunctionContext<K> {
  const time = ctx.time;
  const sides = ctx.sideOutputs;
  const c: KeyedFunctionContext<K> = {
    ...runtimeContext(ctx, store),
    domain: 'event-time' as TimeDomain,
    timerTime: NaN,
    getCurrentKey: () => backend.getCurrentKey() as K,
    getState: (d) => backend.getValueState(d),
    getListState: (d) => backend.getListState(d),
    getMapState: (d) => backend.getMapState(d),
    getReducingState: (d) => backend.getReducingState(d),
    timestamp: () => {
      const t = Number.isNaN(c.timerTime) ? time.timestamp : c.timerTime;
      return Number.isNaN(t) ? undefined : t;
    },
    timerService,
    output<X>(tag: OutputTag<X>, value: X): void {
      sides.get(tag.id)?.collect(value);
    },
    timeDomain: () => c.domain,
  };
  return c;
}

/**
 * Calls a keyed function's `onTimer` for a timer of `domain` at `timestamp`, as the keyed one- and
 * two-input operators both do: an event-time timer's output carries its time, a processing-time
 * timer's none; a throw fails the task, naming the phase.
 */
export function fireKeyedTimer<K extends Key, O>(
  ctx: OperatorContext,
  context: KeyedFunctionContext<K>,
  fn: { onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void },
  out: Collector<O>,
  domain: TimeDomain,
  timestamp: number,
): void {
  ctx.time.timestamp = domain === 'event-time' ? timestamp : NaN;
  context.domain = domain;
  if (fn.onTimer === undefined) return;
  context.timerTime = timestamp;
  try {
    fn.onTimer(timestamp, context, out);
  } catch (e) {
    throw operatorFailure(ctx, e, 'onTimer');
  } finally {
    context.timerTime = NaN;
  }
}
