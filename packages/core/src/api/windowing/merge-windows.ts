import type { TimeWindow } from './time-window.ts';

/** One window after merging, and the windows it covers (one of them may be itself). */
export interface MergedWindow {
  readonly window: TimeWindow;
  readonly mergedFrom: readonly TimeWindow[];
}

/**
 * Merges overlapping or touching windows (Flink's TimeWindow.mergeWindows): sorted by start,
 * each window that starts at or before the end of the current run joins it. Pure; the session
 * window operator calls it with a key's windows plus the new record's window.
 *
 * @example `mergeWindows([{start: 0, end: 10}, {start: 10, end: 15}, {start: 20, end: 30}])`
 *   → `[{ window: {0, 15}, mergedFrom: [{0,10}, {10,15}] }, { window: {20, 30}, mergedFrom: [{20,30}] }]`
 */
export function mergeWindows(windows: readonly TimeWindow[]): MergedWindow[] {
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const out: { window: TimeWindow; mergedFrom: TimeWindow[] }[] = [];
  for (const w of sorted) {
    const run = out[out.length - 1];
    if (run !== undefined && w.start <= run.window.end) {
      run.window = { start: run.window.start, end: Math.max(run.window.end, w.end) };
      run.mergedFrom.push(w);
    } else {
      out.push({ window: w, mergedFrom: [w] });
    }
  }
  return out;
}
