import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';

/**
 * Something in a task that takes part in checkpoints besides keyed state: a source reader, a sink
 * writer, an operator with operator state. Every method runs on the task's loop.
 */
export interface CheckpointParticipant {
  /** Its uid in the checkpoint (the operator's uid). */
  readonly uid: string;
  /** Synchronous part, at the barrier: named lists of independent elements (redistributed on rescale). */
  snapshotState?(checkpointId: number): OperatorLists | undefined;
  /**
   * Asynchronous part, off the record path (e.g. make staged output durable): the checkpoint is
   * acknowledged only after it resolves, and declined if it rejects.
   */
  completeSnapshot?(checkpointId: number): Promise<void> | undefined;
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}
