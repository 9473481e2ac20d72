import type { CheckpointMetadata, StreamStateHandle } from '../types.ts';
import type { JobLease, LeaseHolder } from './job-lease.ts';

/**
 * Where one checkpoint's bytes go: `chk-<n>/` below the job's directory, or a savepoint directory.
 * Opaque to everyone but the storage that made it; `pointer` is what a person or the CLI uses to
 * name it (a path, or a Redis key prefix).
 */
export interface CheckpointLocation {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** Absolute path or storage URI of the checkpoint; `fromCheckpoint` accepts it back. */
  readonly pointer: string;
}

/** One entry of a listing: a checkpoint that has metadata, or the remains of one that does not. */
export interface CheckpointListing {
  readonly checkpointId: number;
  readonly location: CheckpointLocation;
  /** False for a checkpoint that never completed (no `_metadata`): never restorable, to be cleaned up. */
  readonly hasMetadata: boolean;
}

/**
 * Pluggable storage of checkpoint bytes and metadata.
 *
 * Contract: `finalize` makes the metadata visible atomically (a reader sees either no metadata or all
 * of it), after every handle it names is durable. A checkpoint without metadata does not exist for
 * recovery. `readState` verifies the handle's checksum and rejects with {@link CorruptStateError}.
 */
export interface CheckpointStorage {
  /** Human-readable description for logs, e.g. `fs:/abs/checkpoints/wordcount`. */
  readonly description: string;
  /** Prepares storage for the job (create directories, connect). Idempotent. */
  initialize(): Promise<void>;
  /** Reserves the location of checkpoint `checkpointId` (kind 'checkpoint'). */
  createCheckpointLocation(checkpointId: number): Promise<CheckpointLocation>;
  /** Reserves a self-contained savepoint location below `targetDir` (storage-specific meaning). */
  createSavepointLocation(checkpointId: number, targetDir: string): Promise<CheckpointLocation>;
  /** Writes one state blob durably; small blobs may come back inlined (no bytes written). */
  writeState(location: CheckpointLocation, name: string, bytes: Uint8Array): Promise<StreamStateHandle>;
  /** Writes the metadata atomically and durably: the checkpoint is complete when this resolves. */
  finalize(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<void>;
  /** Every checkpoint of this job (complete or not), in ascending id order. Savepoints are not listed. */
  list(): Promise<CheckpointListing[]>;
  /** Resolves a pointer (as printed, or as given to `fromCheckpoint`) to a location. */
  resolve(pointer: string): Promise<CheckpointLocation>;
  /** Reads and decodes metadata; rejects with CorruptStateError when missing or undecodable. */
  readMetadata(location: CheckpointLocation): Promise<CheckpointMetadata>;
  /** Reads a handle's bytes and verifies size and checksum. */
  readState(location: CheckpointLocation, handle: StreamStateHandle): Promise<Uint8Array>;
  /** Deletes everything at a location. Idempotent: deleting what is gone is not an error. */
  discard(location: CheckpointLocation): Promise<void>;
  /**
   * Takes the job's exclusive lease (see `job-lease.ts`), renewing it in the background until it
   * is released; rejects with `LeaseConflictError` naming the holder when another live run has it.
   * Storages without it get a lease that fences nothing across processes.
   */
  acquireLease?(holder: LeaseHolder): Promise<JobLease>;
  /**
   * Small job-level records kept beside the checkpoints, such as what the job last restored from
   * or its checkpoint history: `bytes` replace the record atomically; `undefined` deletes it.
   */
  writeJobRecord?(name: string, bytes: Uint8Array | undefined): Promise<void>;
  /** A record written by {@link writeJobRecord}; `undefined` when there is none. */
  readJobRecord?(name: string): Promise<Uint8Array | undefined>;
  /** Releases connections and handles. */
  close(): Promise<void>;
}

/** A checkpoint's bytes are missing, truncated, or fail their checksum. */
export class CorruptStateError extends Error {
  override readonly name = 'CorruptStateError';
  constructor(
    message: string,
    readonly pointer: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
