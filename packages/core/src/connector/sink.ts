import type { Logger } from 'pino';

/** A sink: each parallel subtask gets a writer (Flink's Sink V2, reduced). */
export interface Sink<T> {
  createWriter(ctx: SinkWriterContext): SinkWriter<T>;
}

export interface SinkWriterContext {
  readonly jobName: string;
  readonly operatorUid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly logger: Logger;
  /** This subtask's share of the writer states of the checkpoint the job restored from; `undefined` on a fresh start. */
  readonly restoredState: readonly unknown[] | undefined;
  /** Whether the job checkpoints: an exactly-once writer commits on checkpoints, or only at the end without them. */
  readonly checkpointing: boolean;
  /**
   * Fencing epoch of this attempt of the job (see the job lease): larger for every later attempt
   * and every later run. A writer that commits to an external system should store it with its
   * commits and refuse to commit once a larger one has been stored, so that a zombie (an attempt
   * that did not stop in time, a run that lost its lease) never commits.
   */
  readonly epoch: number;
  /**
   * Rejects unless this run still holds the job's lease. Writers whose commits cannot check the
   * epoch atomically (files) call it before each commit.
   */
  readonly checkLease: () => Promise<void>;
}

/** One subtask's writer. Methods are called from the task loop only, never concurrently. */
export interface SinkWriter<T> {
  /**
   * Backpressure (as a channel's): true while the writer has as much in flight as it allows. The
   * task checks it after each step and, while it is true, stops feeding the writer until
   * {@link whenWritable} resolves, so that a slow external system slows the sources down instead
   * of filling memory.
   */
  readonly isFull?: boolean;
  /** Resolves once the writer takes records again (`isFull` false), or when it fails. */
  whenWritable?(): Promise<void>;
  open?(): void | Promise<void>;
  /** Takes one record; buffer it rather than doing I/O per record. */
  write(value: T): void;
  /** Writes out what is buffered: at end of input (`endOfInput`), and at checkpoints. */
  flush?(endOfInput: boolean): void | Promise<void>;
  close?(): void | Promise<void>;
  /**
   * At the barrier (synchronous): the writer's state as independent elements (e.g. transactions to
   * commit), redistributed over the subtasks on a rescaled restore.
   */
  snapshotState?(checkpointId: number): unknown[];
  /** Started at the barrier, awaited before the checkpoint is acknowledged (e.g. make a pre-commit durable). */
  completeSnapshot?(checkpointId: number): Promise<void>;
  /** Checkpoint `checkpointId` is durable: commit what was staged for it and before. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}
