import type { CheckpointFailureReason } from '../../checkpoint/failure-reason.ts';
import type { OperatorSubtaskState, SubtaskCheckpointMetrics } from '../../checkpoint/types.ts';

/** How a task answers a checkpoint: the coordinator's `acknowledge` and `decline`, seen from the task. */
export interface CheckpointResponder {
  acknowledge(
    checkpointId: number,
    taskKey: string,
    states: Readonly<Record<string, OperatorSubtaskState>>,
    metrics: SubtaskCheckpointMetrics,
  ): void;
  decline(checkpointId: number, taskKey: string, reason: CheckpointFailureReason, cause?: unknown): void;
}
