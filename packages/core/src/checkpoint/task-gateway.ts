import type { CheckpointFailureReason } from './failure-reason.ts';
import type { CheckpointLocation } from './storage/checkpoint-storage.ts';

/**
 * How the checkpoint coordinator reaches the tasks (Flink's `CheckpointCoordinatorGateway`, the other
 * way round). Calls are fire-and-forget: answers come back through the coordinator's `acknowledge`
 * and `decline`. A gateway that cannot reach a source may throw a `CheckpointException`
 * (`source-not-ready`, `task-failure`) from `triggerSources`; the checkpoint is then aborted.
 */
export interface CheckpointTaskGateway {
  /** Tell every source subtask to snapshot its position and emit barrier `checkpointId`. */
  triggerSources(
    checkpointId: number,
    triggeredAt: number,
    kind: 'checkpoint' | 'savepoint',
    location: CheckpointLocation,
  ): void;
  /** Checkpoint `checkpointId` is complete (metadata durable): sinks may commit what they staged for it. */
  notifyComplete(checkpointId: number): void;
  /** Checkpoint `checkpointId` will never complete: tasks drop what they staged or hold for it. */
  notifyAborted(checkpointId: number, reason: CheckpointFailureReason): void;
}
