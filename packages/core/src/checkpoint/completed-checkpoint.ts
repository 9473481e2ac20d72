import type { CheckpointLocation } from './storage/checkpoint-storage.ts';
import type { CheckpointMetadata } from './types.ts';

/** A checkpoint whose metadata is durable: the only kind recovery ever uses. */
export interface CompletedCheckpoint {
  readonly checkpointId: number;
  readonly location: CheckpointLocation;
  readonly metadata: CheckpointMetadata;
  /**
   * A checkpoint the job restored from that is not one of its own (another job's `chk-<n>` named
   * by `fromCheckpoint`): held as the latest, never deleted by retention.
   */
  readonly foreign?: boolean;
}

/**
 * The retained completed checkpoints of a job, oldest first.
 *
 * Adding checkpoint n subsumes the oldest ones beyond `retained`; their storage is discarded only
 * after the new checkpoint is in the store. Savepoints are never added here (retention never
 * deletes them).
 */
export interface CompletedCheckpointStore {
  readonly retained: number;
  /** Adds a completed checkpoint; resolves with the checkpoints it subsumed (already discarded). */
  add(checkpoint: CompletedCheckpoint): Promise<CompletedCheckpoint[]>;
  /** The newest retained checkpoint, if any. */
  latest(): CompletedCheckpoint | undefined;
  /** All retained checkpoints, oldest first. */
  all(): readonly CompletedCheckpoint[];
}
