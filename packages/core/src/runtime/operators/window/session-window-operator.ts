import type { SessionWindows } from '../../../api/windowing/window-assigner.ts';
import { mergeWindows } from '../../../api/windowing/merge-windows.ts';
import type { TimeWindow } from '../../../api/windowing/time-window.ts';
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
 * state, end → [start, contents], and a timer at a session's last millisecond fires it. Timers of
 * sessions that merged away are left to fire; they find no session ending there and do nothing.
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
    const own: TimeWindow = { start: ts, end: ts + this.#gap };
    const existing: TimeWindow[] = [];
    for (const [end, [start]] of this.#sessions.entries()) existing.push({ start, end });
    // The run of windows the record's own window joins (the others are unchanged).
    const merged = mergeWindows([...existing, own]).find((m) => m.mergedFrom.includes(own))!;
    const window = merged.window;
    if (this.isLate(window.end - 1)) {
      this.lateRecord(value);
      return;
    }
    let acc: unknown = undefined;
    for (const w of merged.mergedFrom) {
      if (w === own) continue;
      const contents = this.#sessions.get(w.end)![1];
      acc = acc === undefined ? contents : this.runner.merge(acc, contents);
    }
    const added = this.runner.add(acc, value);
    if (added === NOT_ADDED) return;
    for (const w of merged.mergedFrom) if (w !== own) this.#sessions.remove(w.end);
    this.#sessions.put(window.end, [window.start, added]);
    if (this.scheduleWindow(window.end - 1)) this.runner.fire(this.backend.getCurrentKey(), window, added);
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
