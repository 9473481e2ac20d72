import type { CompletedCheckpoint } from './completed-checkpoint.ts';
import {
  type CheckpointListing,
  type CheckpointLocation,
  type CheckpointStorage,
  CorruptStateError,
} from './storage/checkpoint-storage.ts';
import type { CheckpointMetadata } from './types.ts';

/**
 * Picking the checkpoint to restore: the latest complete one, that is the newest whose metadata and
 * every state handle verify. A damaged checkpoint is skipped with a warning, falling back to the
 * previous retained one (why `retained` defaults to 2).
 */

/** The part of a logger recovery needs; a pino logger fits. */
export interface WarningLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The order in which recovery tries checkpoints: those with metadata, newest first. Entries without
 * metadata never completed and are not candidates.
 */
export function orderForRecovery(listing: readonly CheckpointListing[]): CheckpointListing[] {
  return listing.filter((entry) => entry.hasMetadata).sort((a, b) => b.checkpointId - a.checkpointId);
}

/**
 * The newest checkpoint of `storage` that fully verifies (metadata, then every keyed and operator
 * handle of every subtask, checksums included), or undefined when there is none.
 *
 * Only damage ({@link CorruptStateError}) makes recovery fall back; any other error (a storage that
 * cannot be reached) rejects, so that a transient failure never silently rewinds the job further.
 */
export async function findLatestRestorable(
  storage: CheckpointStorage,
  logger?: WarningLogger,
): Promise<CompletedCheckpoint | undefined> {
  for (const entry of orderForRecovery(await storage.list())) {
    try {
      const metadata = await storage.readMetadata(entry.location);
      await verifyHandles(storage, entry.location, metadata);
      return { checkpointId: entry.checkpointId, location: entry.location, metadata };
    } catch (err) {
      if (!(err instanceof CorruptStateError)) throw err;
      logger?.warn(
        { checkpointId: entry.checkpointId, pointer: entry.location.pointer, reason: err.message },
        `checkpoint ${entry.checkpointId} is damaged, falling back to an older one: ${err.message}`,
      );
    }
  }
  return undefined;
}

async function verifyHandles(
  storage: CheckpointStorage,
  location: CheckpointLocation,
  metadata: CheckpointMetadata,
): Promise<void> {
  for (const operator of metadata.operators) {
    for (const subtask of operator.subtasks) {
      // Reading verifies size and checksum; the bytes are dropped, the restore reads them again.
      if (subtask?.keyed) await storage.readState(location, subtask.keyed.handle);
      if (subtask?.operator) await storage.readState(location, subtask.operator.handle);
    }
  }
}
