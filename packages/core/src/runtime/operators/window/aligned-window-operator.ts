import type { SlidingWindows, TumblingWindows } from '../../../api/windowing/window-assigner.ts';
import { windowStart } from '../../../api/windowing/time-window.ts';
import type { WindowSpec } from '../../../graph/operator-spec.ts';
import { ValueStateDescriptor } from '../../../state/descriptors.ts';
import type { Key } from '../../../state/key.ts';
import type { ValueState } from '../../../state/state.ts';
import type { Output } from '../../output/output.ts';
import type { OperatorContext } from '../stream-operator.ts';
import { KeyedWindowOperator } from './keyed-window-operator.ts';
import { NOT_ADDED } from './window-contents.ts';

/** The keyed state of aligned windows: per key, its open windows as `[end, contents, end, contents, …]`. */
export const ALIGNED_WINDOW_STATE = '__windows';

/**
 * Tumbling and sliding windows (Flink's WindowOperator with an aligned assigner, as its own small
 * operator): every key's windows start at the same times, so a window is known by its end.
 *
 * Per record: for each window the record's time falls in (one when tumbling, `size / slide` when
 * sliding), fold it into that window's contents; the first record of a key's window registers the
 * window's timer at its last millisecond. When the timer fires the window is emitted, then purged,
 * or kept until `allowedLateness` has passed too.
 *
 * A key has few windows open at once (one or two when tumbling, `size / slide` and a few when
 * sliding), so they are kept in one flat array per key (value state: one lookup to read it, one
 * to store it back) rather than a map per key: a hundred thousand keys would otherwise mean a
 * hundred thousand small maps made and dropped every window.
 */
export class AlignedWindowOperator<I> extends KeyedWindowOperator<I> {
  readonly #windows: ValueState<unknown[]>;
  readonly #size: number;
  readonly #slide: number;
  readonly #offset: number;

  constructor(ctx: OperatorContext, output: Output<unknown>, spec: WindowSpec) {
    super(ctx, output, spec);
    const a = spec.assigner as TumblingWindows | SlidingWindows;
    this.#size = a.size;
    this.#slide = a.kind === 'sliding' ? a.slide : a.size;
    this.#offset = a.offset;
    this.#windows = this.backend.getValueState(new ValueStateDescriptor<unknown[]>(ALIGNED_WINDOW_STATE));
  }

  collect(value: I): void {
    const ts = this.timestamp();
    const size = this.#size;
    const slide = this.#slide;
    let windows = this.#windows.value();
    let placed = false;
    let changed = false;
    // Windows [start, start + size) with start ≤ ts < start + size, latest first.
    for (let start = windowStart(ts, this.#offset, slide); start > ts - size; start -= slide) {
      const end = start + size;
      if (this.isLate(end - 1)) continue;
      placed = true;
      const at = windows === undefined ? -1 : find(windows, end);
      const before = at < 0 ? undefined : windows![at + 1];
      const acc = this.runner.add(before, value);
      if (acc === NOT_ADDED) break;
      changed = true;
      if (at >= 0) windows![at + 1] = acc;
      else (windows ??= []).push(end, acc);
      // A window's timers are registered when it opens; a late record (within the allowed
      // lateness) into a window that fired already makes it fire again at once.
      const fireNow = before === undefined ? this.scheduleWindow(end - 1) : this.isPastEnd(end - 1);
      if (fireNow) this.runner.fire(this.backend.getCurrentKey(), { start, end }, acc);
    }
    if (changed) this.#windows.update(windows!);
    if (!placed) this.lateRecord(value);
  }

  protected onTimer(timestamp: number, key: Key): void {
    const windows = this.#windows.value();
    if (windows === undefined) return;
    const end = timestamp + 1;
    let at = find(windows, end);
    let changed = false;
    if (at >= 0) {
      this.runner.fire(key, { start: end - this.#size, end }, windows[at + 1]);
      if (this.lateness === 0) {
        windows.splice(at, 2);
        changed = true;
      }
    }
    // A window whose allowed lateness ends now: purged without firing (it fired at its end).
    if (this.lateness > 0 && (at = find(windows, timestamp - this.lateness + 1)) >= 0) {
      windows.splice(at, 2);
      changed = true;
    }
    if (!changed) return;
    if (windows.length === 0) this.#windows.clear();
    else this.#windows.update(windows);
  }
}

/** Where window `end` is in a key's `[end, contents, …]` array; -1 if it is not open. */
function find(windows: readonly unknown[], end: number): number {
  for (let i = 0; i < windows.length; i += 2) if (windows[i] === end) return i;
  return -1;
}
