import type { SourceReaderMetrics } from '../connector/source.ts';
import type { CheckpointBarrier } from '../runtime/events.ts';

/**
 * The subtasks of one execution attempt as the JobManager drives them, wherever they run: on the
 * main thread's event loop ({@link ExecutionAttempt}) or spread over worker threads
 * (`ThreadedAttempt`). The checkpoint coordinator reaches the tasks through it, and status reads
 * their counters from it.
 */
export interface Deployment {
  /** Resolves 'finished' or 'cancelled'; rejects with the first task failure. */
  run(): Promise<'finished' | 'cancelled'>;
  /**
   * Resolves once every subtask is built, its state restored, and about to run (at once on the
   * main thread; when every worker thread has loaded the job and deployed its share). Never
   * rejects; stays pending for an attempt that stops before.
   */
  readonly deployed: Promise<void>;
  /** Stops every task; `run()` then resolves 'cancelled'. */
  cancel(): void;
  /** Fails the attempt from outside the tasks (too many failed checkpoints, a lost lease). */
  fail(error: unknown): void;
  /** Called once, as soon as the attempt starts to stop (see ExecutionAttempt). */
  onStopping: ((reason: 'task-failure' | 'job-cancelled') => void) | undefined;
  /** Closes what the subtasks share (dead-letter queues); called when the attempt has ended. */
  closeSharedResources(): Promise<void>;

  /** Source subtasks of the job. */
  readonly sourceCount: number;
  /** Called once for every source subtask whose reader has ended (it waits for the final checkpoint). */
  onSourceEnded: (() => void) | undefined;
  /** Every source subtask snapshots its position between two records and emits `barrier`. */
  triggerSources(barrier: CheckpointBarrier): void;
  notifyComplete(checkpointId: number): void;
  notifyAborted(checkpointId: number): void;
  /** Lets source subtasks whose readers have ended finish (after the final checkpoint). */
  endInput(): void;

  /** Per subtask: where it runs and what it moved, for status and metrics. Never blocks. */
  subtaskCounters(): readonly SubtaskCounters[];
  /** How busy each thread's event loop is (its CPU share, for a thread that does not wait on I/O). */
  threadLoads(): readonly ThreadLoad[];
}

/** How busy one thread's event loop is. */
export interface ThreadLoad {
  readonly thread: number;
  /** Share of the last one to two seconds the loop was busy (0..1). */
  readonly utilization: number;
  /** Ms the loop was busy since the thread started. */
  readonly busyMs: number;
}

/** One subtask's counters, since the attempt started. */
export interface SubtaskCounters {
  /** `<vertex id>#<subtask index>`. */
  readonly taskKey: string;
  readonly vertexId: string;
  readonly subtaskIndex: number;
  /** The thread it runs on: 0 is the main thread, 1.. the workers. */
  readonly thread: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Ms its loop worked, and waited for room downstream (see StreamTask.busyMs). */
  readonly busyMs: number;
  readonly backpressuredMs: number;
  /** Queued items over capacity in its input and output channels, 0..1. */
  readonly inputFill: number;
  readonly outputFill: number;
  /** Records its operators sent to dead letters. */
  readonly deadLetters: number;
  /** Records its window and interval-join operators dropped as too late (no side output took them). */
  readonly lateRecordsDropped: number;
  /** A source subtask: its reader's backlog, when the reader reports one. */
  readonly source?: SourceReaderMetrics;
  /** A subtask with a sink whose writer commits: its commits. */
  readonly sink?: SinkCommits;
}

/** A sink subtask's commits since the attempt started. */
export interface SinkCommits {
  readonly commits: number;
  /** Ms spent committing, summed. */
  readonly commitMs: number;
  /** Ms the latest commit took. */
  readonly lastCommitMs?: number;
}
