import type { SessionWindows } from '../../../api/windowing/window-assigner.ts';
import type { WindowSpec } from '../../../graph/operator-spec.ts';
import { MapStateDescriptor } from '../../../state/descriptors.ts';
import type { Key } from '../../../state/key.ts';
import type { MapState } from '../../../state/state.ts';
import type { Output } from '../../output/output.ts';
import type { OperatorContext } from '../stream-operator.ts';
import { KeyedWindowOperator } from './keyed-window-operator.ts';
import { NOT_ADDED } from './window-contents.ts';

/** The keyed state of session windows: per key, window end → [window start, contents]. */
export const SESSION_WINDOW_STATE = '__sessions';

type Session = [start: number, contents: unknown];

/**
 * Session windows (Flink's WindowOperator with a merging assigner, as its own small operator):
 * per key, a record opens the window `[t, t + gap)`; windows that overlap or touch merge into one,
 * their contents merged, so a session lasts while records of its key keep coming within `gap`.
 *
 * A key's live sessions never overlap, so each is known by its end: the state is keyed map
 * state, end → [start, contents], and a timer at a session's last millisecond fires it. The timers
 * of a session that merges into another are deleted with it.
 */
export class SessionWindowOperator<I> extends KeyedWindowOperator<I> {
  readonly #sessions: MapState<number, Session>;
  readonly #gap: number;

  constructor(ctx: OperatorContext, output: Output<unknown>, spec: WindowSpec) {
    super(ctx, output, spec);
    this.#gap = (spec.assigner as SessionWindows).gap;
    this.#sessions = this.backend.getMapState(new MapStateDescriptor<number, Session>(SESSION_WINDOW_STATE));
  }

  collect(value: I): void {
    const ts = this.timestamp();
    const ownEnd = ts + this.#gap;
    // A key's sessions never overlap or touch one another, so the record's window [ts, ts + gap)
    // joins exactly the sessions it overlaps or touches (as mergeWindows would merge them), and
    // the result touches no other: one pass, no sort, and usually a single session.
    let start = ts;
    let end = ownEnd;
    let first: [end: number, session: Session] | undefined;
    let more: [end: number, session: Session][] | undefined;
    for (const [e, session] of this.#sessions.entries()) {
      if (session[0] > ownEnd || e < ts) continue;
      if (first === undefined) first = [e, session];
      else (more ??= []).push([e, session]);
      if (session[0] < start) start = session[0];
      if (e > end) end = e;
    }
    if (this.isLate(end - 1)) {
      this.lateRecord(value);
      return;
    }
    let acc: unknown = undefined;
    if (first !== undefined) {
      if (more === undefined) acc = first[1][1];
      else {
        // Contents merge in time order, as the windows would.
        const joined = [first, ...more].sort((a, b) => a[1][0] - b[1][0]);
        acc = joined[0]![1][1];
        for (let k = 1; k < joined.length; k++) acc = this.runner.merge(acc, joined[k]![1][1]);
      }
    }
    const added = this.runner.add(acc, value);
    if (added === NOT_ADDED) return;
    if (first !== undefined) this.#mergedAway(first[0], end);
    if (more !== undefined) for (const [e] of more) this.#mergedAway(e, end);
    this.#sessions.put(end, [start, added]);
    if (this.scheduleWindow(end - 1)) this.runner.fire(this.backend.getCurrentKey(), { start, end }, added);
  }

  /** A session ending at `end` is now part of the one ending at `into`: forget it and its timers. */
  #mergedAway(end: number, into: number): void {
    if (end === into) return;
    this.#sessions.remove(end);
    // Left pending, a timer per record that extends a session would pile up in the timer queue.
    this.unscheduleWindow(end - 1);
  }

  protected onTimer(timestamp: number, key: Key): void {
    const end = timestamp + 1;
    const session = this.#sessions.get(end);
    if (session !== undefined) {
      this.runner.fire(key, { start: session[0], end }, session[1]);
      if (this.lateness === 0) this.#sessions.remove(end);
    }
    if (this.lateness > 0) this.#sessions.remove(timestamp - this.lateness + 1);
  }
}
