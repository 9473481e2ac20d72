import type { Logger } from 'pino';
import type { CompletedCheckpoint } from '../checkpoint/completed-checkpoint.ts';
import { restoreFrom } from './restore-from.ts';
import type { CheckpointStorage } from '../checkpoint/storage/checkpoint-storage.ts';
import { CorruptStateError } from '../checkpoint/storage/checkpoint-storage.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { RestoredState } from '../runtime/task-builder.ts';

/**
 * What a job finds in its checkpoint storage when it starts: the complete checkpoints (metadata
 * readable), oldest first. Remains of checkpoints that never completed are deleted: no attempt is
 * running yet, so none of them can still be in progress. With `fresh`, every checkpoint is deleted
 * so that a crash of the new run can never fall back to the old one.
 */
export async function openCheckpoints(storage: CheckpointStorage, logger: Logger, fresh: boolean): Promise<CompletedCheckpoint[]> {
  await storage.initialize();
  const listing = await storage.list();
  const complete: CompletedCheckpoint[] = [];
  for (const entry of listing) {
    if (fresh || !entry.hasMetadata) {
      if (fresh && entry.hasMetadata) logger.warn({ checkpointId: entry.checkpointId, pointer: entry.location.pointer }, 'fresh start: deleting an earlier checkpoint');
      else logger.info({ checkpointId: entry.checkpointId }, 'deleting the remains of a checkpoint that never completed');
      await storage.discard(entry.location);
      continue;
    }
    try {
      const metadata = await storage.readMetadata(entry.location);
      complete.push({ checkpointId: entry.checkpointId, location: entry.location, metadata });
    } catch (e) {
      if (!(e instanceof CorruptStateError)) throw e;
      logger.warn({ checkpointId: entry.checkpointId, reason: e.message }, 'skipping a damaged checkpoint: its metadata cannot be read');
    }
  }
  return complete;
}

/**
 * Restores from the newest of `candidates` whose state reads back intact, falling back to older
 * ones with a warning naming what was damaged. `undefined` when there is nothing to restore.
 */
export async function restoreLatest(
  candidates: readonly CompletedCheckpoint[],
  storage: CheckpointStorage,
  graph: ExecutionGraph,
  options: { allowNonRestoredState: boolean; logger: Logger },
): Promise<{ checkpoint: CompletedCheckpoint; state: RestoredState } | undefined> {
  for (let i = candidates.length - 1; i >= 0; i--) {
    const checkpoint = candidates[i];
    try {
      return { checkpoint, state: await restoreFrom(checkpoint, storage, graph, options) };
    } catch (e) {
      if (!(e instanceof CorruptStateError)) throw e;
      options.logger.warn(
        { checkpointId: checkpoint.checkpointId, pointer: checkpoint.location.pointer, reason: e.message },
        i > 0 ? 'checkpoint is damaged; falling back to the previous one' : 'checkpoint is damaged and no earlier one is retained',
      );
    }
  }
  return undefined;
}
