import type { ExecutionVertex } from '../../graph/execution-graph.ts';

/**
 * Which worker thread runs which subtask: subtask i of every task goes to worker `i mod workers`.
 * A chain is one task, so it stays in one thread; the subtasks of a keyed operator spread over
 * the workers; and a forward edge (subtask i to subtask i) stays inside a thread, crossing none.
 * Pure; workers are numbered 1..`workers` (0 is the main thread).
 */
export function placeSubtasks(subtasks: readonly ExecutionVertex[], workers: number): Map<string, number> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be an integer ≥ 1, got ${workers}`);
  const placement = new Map<string, number>();
  for (const s of subtasks) placement.set(s.taskKey, 1 + (s.subtaskIndex % workers));
  return placement;
}

/** Threads a job can keep busy: one per subtask of its widest task, at most `workers`. */
export function usefulWorkers(subtasks: readonly ExecutionVertex[], workers: number): number {
  let widest = 1;
  for (const s of subtasks) widest = Math.max(widest, s.vertex.parallelism);
  return Math.min(workers, widest);
}
