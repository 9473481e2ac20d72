/**
 * The data a checkpoint is made of, as the coordinator, the tasks and the storage see it.
 *
 * A checkpoint is a set of state handles (where bytes are, how many, their checksum), grouped per
 * operator (matched by `uid`) and per subtask, plus the metadata that names them all. Handles point
 * into {@link CheckpointStorage}; small ones are inlined in the metadata.
 */

/** Inclusive range of key groups `start..end`; empty when `end < start`. */
export interface KeyGroupRangeData {
  readonly start: number;
  readonly end: number;
}

/** Bytes written to checkpoint storage: a file (or Redis key), or inlined in `_metadata`. */
export interface StreamStateHandle {
  /** Location relative to the checkpoint's own location (e.g. `op-uid-0-keyed`); empty when inlined. */
  readonly path: string;
  /** Size in bytes of the stored bytes. */
  readonly size: number;
  /** CRC-32 (zlib) of the stored bytes as 8 hex digits; verified on every read. */
  readonly checksum: string;
  /** Small state (below the storage's inline threshold) travels inside the metadata. */
  readonly inline?: Uint8Array;
}

/**
 * Keyed state of one subtask of one operator: one blob holding every key group of `range`, and the
 * byte offset of each key group inside it so that a restore with another parallelism can read only
 * the key groups it owns. `offsets[i]` is the start of key group `range.start + i`.
 */
export interface KeyGroupsStateHandle {
  readonly range: KeyGroupRangeData;
  readonly offsets: readonly number[];
  readonly handle: StreamStateHandle;
}

/**
 * Operator (non-keyed) state of one subtask: named list states. On restore with another parallelism
 * the elements of every list are redistributed round-robin over the new subtasks (Flink's
 * "even-split" redistribution), so a list must hold independent units (splits, offsets).
 */
export interface OperatorStateHandle {
  /** State name → number of elements in this subtask's part. */
  readonly lists: Readonly<Record<string, number>>;
  readonly handle: StreamStateHandle;
}

/** What one subtask of one operator contributed to a checkpoint. */
export interface OperatorSubtaskState {
  readonly keyed?: KeyGroupsStateHandle;
  readonly operator?: OperatorStateHandle;
}

/** State of one operator (by uid) across its subtasks. */
export interface OperatorState {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Indexed by subtask index; holes (subtasks without state) are `null`. */
  readonly subtasks: readonly (OperatorSubtaskState | null)[];
}

/** Everything needed to restore a job: written last, atomically, as `_metadata`. */
export interface CheckpointMetadata {
  readonly version: 1;
  readonly jobName: string;
  readonly checkpointId: number;
  /** Wall-clock ms when the checkpoint was triggered. */
  readonly triggeredAt: number;
  /** Wall-clock ms when the metadata was written. */
  readonly completedAt: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly operators: readonly OperatorState[];
}

/** Per-subtask timings and sizes, carried by an acknowledgement into the stats. */
export interface SubtaskCheckpointMetrics {
  readonly alignmentMs: number;
  readonly syncMs: number;
  readonly asyncMs: number;
  readonly stateSize: number;
}
