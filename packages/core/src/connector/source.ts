import type { Logger } from 'pino';

/**
 * A source (Flink's FLIP-27 shape, reduced): each parallel subtask gets a reader; the task polls
 * it between other work, so a reader never blocks the event loop and never allocates a promise
 * per record.
 */
export interface Source<T, S = unknown> {
  /** 'bounded' sources end (the job then finishes); 'unbounded' ones run until cancelled. */
  readonly boundedness: 'bounded' | 'unbounded';
  /** The highest parallelism this source supports (e.g. 1 for a collection). */
  readonly maxParallelism?: number;
  createReader(ctx: SourceReaderContext<S>): SourceReader<T, S>;
}

export interface SourceReaderContext<S = unknown> {
  readonly jobName: string;
  /** The source operator's uid (stable across job versions when set with `.uid(...)`). */
  readonly operatorUid?: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly logger: Logger;
  /**
   * Split states restored from a checkpoint (redistributed over the subtasks when the
   * parallelism changed); `undefined` on a fresh start, when the reader picks its own.
   */
  readonly restoredState: readonly S[] | undefined;
  /**
   * How many complete checkpoints the job retains (its `retained`; 1 without checkpointing).
   * Recovery may fall back to the oldest of them, so a source releases input (trims, acknowledges)
   * only once every retained checkpoint is past it.
   */
  readonly retainedCheckpoints: number;
}

/** What a reader emits records into. */
export interface SourceOutput<T> {
  collect(record: T): void;
}

/** `'more'`: call again soon; `'nothing-available'`: wait for `isAvailable()`; `'end'`: finished for good. */
export type InputStatus = 'more' | 'nothing-available' | 'end';

/** One subtask's reader. Methods are called from the task loop only, never concurrently. */
export interface SourceReader<T, S = unknown> {
  /** Connects or seeks; the task awaits it before the first poll. */
  start?(): void | Promise<void>;
  /**
   * Emits a bounded number of records (a batch worth) into `output` and says what is next.
   * Must not block; fetch asynchronously and report `'nothing-available'` meanwhile.
   */
  pollNext(output: SourceOutput<T>): InputStatus;
  /** Resolves when `pollNext` has something again. Called only after `'nothing-available'`. */
  isAvailable(): Promise<void>;
  /**
   * The reader's position, as independent split states, taken between two `pollNext` calls: every
   * record emitted so far is before it, every later record after it.
   */
  snapshotState?(checkpointId: number): S[];
  /** Checkpoint `checkpointId` is complete: input it covers may be released. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
  close?(): void | Promise<void>;
}
