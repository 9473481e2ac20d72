import type { JobFailure } from './failure-history.ts';
import type { SourceReaderMetrics } from '../connector/source.ts';
import type { SinkCommits } from './deployment.ts';

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
  /** Each subtask: the thread it runs on and what it moved. */
  readonly subtasks: readonly SubtaskStatus[];
}

/** One subtask of a task. */
export interface SubtaskStatus {
  readonly index: number;
  /** 0: the main thread; 1..: worker threads. */
  readonly thread: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Ms its loop worked since the attempt started (records, mail, checkpoints; not waits). */
  readonly busyMs: number;
  /** Ms it waited for room in a full output channel, or for a sink's bounded work in flight. */
  readonly backpressuredMs: number;
  /** Queued items over capacity in its input channels, 0..1 (0 for a source). */
  readonly inputFill: number;
  /** Queued items over capacity in the channels it writes to, 0..1. */
  readonly outputFill: number;
  /** Records its operators sent to dead letters since the attempt started. */
  readonly deadLetters: number;
  /**
   * Records its window and interval-join operators dropped since the attempt started because they
   * came later than the watermark allowed (Flink's `numLateRecordsDropped`); a window with
   * `sideOutputLateData` sends them there instead, and does not count them.
   */
  readonly lateRecordsDropped: number;
  /** A source subtask: its reader's backlog, when the reader reports one (Redis lists and streams do). */
  readonly source?: SourceReaderMetrics;
  /** A subtask whose sink commits (exactly-once sinks, once per checkpoint): its commits. */
  readonly sink?: SinkCommits;
}

/** One thread of the job and how busy its event loop is. */
export interface ThreadStatus {
  /** 0: the main thread (the JobManager, and the tasks when there are no workers); 1..: workers. */
  readonly thread: number;
  /** Share of the last one to two seconds the thread's event loop was busy (0..1). */
  readonly utilization: number;
  /** Ms its event loop was busy since the thread started: two readings give a share over any window. */
  readonly busyMs: number;
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
  /** The threads of the current attempt (one: the main thread, when the job has no workers). */
  readonly threads: readonly ThreadStatus[];
}
