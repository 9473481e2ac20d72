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
  /**
   * Emits one record. `timestamp` is the time the source knows for it (a Redis entry id's time, a
   * Kafka record's timestamp), in ms: the job's watermark strategy turns it into the record's
   * event time (its timestamp assigner gets it as `sourceTimestamp`; without an assigner it is the
   * event time).
   */
  collect(record: T, timestamp?: number): void;
}

/**
 * The output a reader polls into (Flink's ReaderOutput). A reader with several splits that advance
 * at their own pace (one Redis stream each, say) emits each split's records through
 * `createOutputForSplit(id)`: with a watermark strategy, every split then has its own watermark
 * generator and idleness, and the subtask's watermark is the minimum over its active splits, so a
 * fast split does not make a slow one's records late.
 *
 * The task always passes all three methods; they are optional so that a test can poll a reader
 * with a plain `{ collect }`: call them as `output.createOutputForSplit?.(id) ?? output`.
 */
export interface ReaderOutput<T> extends SourceOutput<T> {
  /** The output of split `splitId` (the same object for the same id until released). */
  createOutputForSplit?(splitId: string): SourceOutput<T>;
  /** The split is gone (finished or handed away): it no longer holds event time back. */
  releaseOutputForSplit?(splitId: string): void;
  /**
   * The reader has nothing to read (no split assigned, say): it does not hold event time back
   * until it emits again. Records emitted afterwards make it active again.
   */
  markIdle?(): void;
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
  pollNext(output: ReaderOutput<T>): InputStatus;
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
  /**
   * The reader's backlog for metrics and the dashboard: synchronous and cheap, the figures it last
   * read in the background (never a round trip per call). Called now and then, not per record.
   */
  metrics?(): SourceReaderMetrics;
}

/** What a source reader knows about its backlog. Leave out what it cannot tell exactly. */
export interface SourceReaderMetrics {
  /** Entries not read yet: waiting in the queue, or fetched and not yet emitted. */
  readonly lagRecords?: number;
  /** Entries emitted but not yet released by a complete checkpoint (a list's processing lists). */
  readonly processingRecords?: number;
}
