import type { JobStatus, SubtaskStatus } from '@weir/core';

/** One task's flow between two readings of the job: what the status line and `weir status` add. */
export interface TaskFlow {
  readonly task: string;
  /** Entries its source subtasks have yet to read, summed; absent for a task whose readers report no backlog. */
  readonly lagRecords?: number;
  /** Share of the time between the readings its most backpressured subtask waited for output room (0..1). */
  readonly backpressured?: number;
  /** Share of that time its busiest subtask was busy (0..1). */
  readonly busy?: number;
  readonly deadLetters: number;
}

/**
 * Lag, backpressure, busy time and dead letters per task, from two readings `seconds` apart (the
 * shares need a previous reading; counters that went down mean a restart: no share then).
 */
export function taskFlows(previous: JobStatus | undefined, now: JobStatus, seconds: number): TaskFlow[] {
  return now.vertices.map((v) => {
    const before = previous?.vertices.find((p) => p.id === v.id);
    const share = (pick: (s: SubtaskStatus) => number): number | undefined => {
      if (before === undefined || seconds <= 0) return undefined;
      let most: number | undefined;
      for (const s of v.subtasks) {
        const b = before.subtasks.find((p) => p.index === s.index);
        if (b === undefined || pick(s) < pick(b)) continue;
        most = Math.max(most ?? 0, Math.min(1, (pick(s) - pick(b)) / 1000 / seconds));
      }
      return most;
    };
    const lags = v.subtasks.filter((s) => s.source?.lagRecords !== undefined);
    const flow: { -readonly [K in keyof TaskFlow]: TaskFlow[K] } = {
      task: v.id,
      deadLetters: v.subtasks.reduce((n, s) => n + s.deadLetters, 0),
    };
    if (lags.length > 0) flow.lagRecords = lags.reduce((n, s) => n + (s.source?.lagRecords ?? 0), 0);
    const backpressured = share((s) => s.backpressuredMs);
    if (backpressured !== undefined) flow.backpressured = backpressured;
    const busy = share((s) => s.busyMs);
    if (busy !== undefined) flow.busy = busy;
    return flow;
  });
}

/**
 * The status line's part for lag and backpressure, e.g. `lag 12.3k | bp 45% v1`, from
 * {@link taskFlows}: backpressure only where a task waited for at least 1% of the time, lag only
 * where a reader reports it. `undefined` when there is neither.
 */
export function flowText(flows: readonly TaskFlow[], formatCount: (n: number) => string): string | undefined {
  const parts: string[] = [];
  const lags = flows.filter((f) => f.lagRecords !== undefined);
  if (lags.length > 0) parts.push(`lag ${formatCount(lags.reduce((n, f) => n + (f.lagRecords ?? 0), 0))}`);
  const worst = flows.reduce<TaskFlow | undefined>((a, b) => ((b.backpressured ?? 0) > (a?.backpressured ?? 0) ? b : a), undefined);
  if (worst?.backpressured !== undefined && worst.backpressured >= 0.01) parts.push(`bp ${Math.round(worst.backpressured * 100)}% ${worst.task}`);
  return parts.length === 0 ? undefined : parts.join(' | ');
}
