import type { MessagePort } from 'node:worker_threads';
import type { CompletedCheckpoint } from '../../checkpoint/completed-checkpoint.ts';
import type { CheckpointFailureReason } from '../../checkpoint/failure-reason.ts';
import type { CheckpointLocation } from '../../checkpoint/storage/checkpoint-storage.ts';
import type { OperatorSubtaskState, SubtaskCheckpointMetrics } from '../../checkpoint/types.ts';
import type { SubtaskCounters } from '../../jobmanager/deployment.ts';
import type { SerializedError } from './serialized-error.ts';

/**
 * What the main thread (the JobManager) and a task manager thread say to each other, over the
 * worker's parent port. Every message is plain data (structured clone); channel ports travel in
 * the `deploy` message's transfer list.
 */

/** What a worker is started with (`workerData.weir`). */
export interface TaskManagerData {
  /** 1-based: thread 0 is the main thread. */
  readonly thread: number;
  readonly jobName: string;
  /** The log level of the main thread's logger: workers forward their lines at this level. */
  readonly logLevel: string;
}

/** Main → worker. */
export type ToTaskManager =
  | {
      readonly type: 'deploy';
      /** The attempt (of the job run) the deployment belongs to: every message about it carries it back. */
      readonly attempt: number;
      /** The subtasks this worker runs, by task key. */
      readonly subtasks: readonly string[];
      /** The end of each channel that crosses threads and has an end here, by channel id. */
      readonly ports: Readonly<Record<string, MessagePort>>;
      /** The checkpoint to restore (already chosen and verified by the main thread). */
      readonly restore: CompletedCheckpoint | null;
      readonly allowNonRestoredState: boolean;
      readonly epoch: number;
      readonly cancellationTimeoutMs: number;
    }
  | {
      readonly type: 'trigger';
      readonly checkpointId: number;
      readonly timestamp: number;
      readonly kind: 'checkpoint' | 'savepoint';
      readonly location: CheckpointLocation;
    }
  | { readonly type: 'complete'; readonly checkpointId: number }
  | { readonly type: 'aborted'; readonly checkpointId: number }
  | { readonly type: 'end-input' }
  | { readonly type: 'cancel' }
  /** The job run is over: end the thread. */
  | { readonly type: 'shutdown' }
  | { readonly type: 'lease-checked'; readonly request: number; readonly error: SerializedError | null };

/** Worker → main: `ready` and `log` once per thread, the rest about the attempt they name. */
export type FromTaskManager =
  | {
      readonly type: 'ready';
      /** What the job file defined here, to check it is the job the main thread runs. */
      readonly fingerprint: string;
    }
  | { readonly type: 'log'; readonly line: string }
  | AttemptMessage;

/** A worker's message about one attempt. */
export type AttemptMessage = { readonly attempt: number } & (
  | {
      readonly type: 'acknowledge';
      readonly checkpointId: number;
      readonly taskKey: string;
      readonly states: Readonly<Record<string, OperatorSubtaskState>>;
      readonly metrics: SubtaskCheckpointMetrics;
    }
  | {
      readonly type: 'decline';
      readonly checkpointId: number;
      readonly taskKey: string;
      readonly reason: CheckpointFailureReason;
      readonly cause: SerializedError | null;
    }
  /** Its subtasks are built (state restored) and about to run. */
  | { readonly type: 'deployed' }
  | { readonly type: 'source-ended' }
  | { readonly type: 'counters'; readonly counters: readonly SubtaskCounters[] }
  | { readonly type: 'check-lease'; readonly request: number }
  /** The worker's attempt ended; `error` when a task failed (the first failure). */
  | { readonly type: 'ended'; readonly status: 'finished' | 'cancelled' | 'failed'; readonly error: SerializedError | null }
);
