import type { JobFailure } from './failure-history.ts';

/**
 * What a job reports about itself while it runs, for the `weir` command's control endpoint and
 * progress line. Plain JSON-able data, read on demand: nothing is computed on the record path.
 */

/** Where a job is in its lifecycle. */
export type JobState = 'initializing' | 'running' | 'restarting' | 'finished' | 'cancelled' | 'failed';

/** One task (a chain of operators) of the job. */
export interface VertexStatus {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  /** Ids of the tasks it reads from; empty for a source task. */
  readonly inputs: readonly string[];
  /** Records its subtasks took from their input channels, since the job last (re)started. */
  readonly recordsIn: number;
  /** Records its subtasks sent into channels, since the job last (re)started. */
  readonly recordsOut: number;
}

export interface JobStatus {
  readonly jobName: string;
  readonly state: JobState;
  /** Wall-clock ms when the job was submitted. */
  readonly startedAt: number;
  /** Restarts from a checkpoint so far. */
  readonly restarts: number;
  /** Why the last attempt failed (the latest entry of `exceptions`). */
  readonly lastFailure: JobFailure | undefined;
  /** The last failures, newest first (at most 10). */
  readonly exceptions: readonly JobFailure[];
  /** Sources first, in topological order. */
  readonly vertices: readonly VertexStatus[];
}
