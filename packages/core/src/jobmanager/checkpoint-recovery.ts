import type { Logger } from 'pino';
import { CheckpointIdCounter } from '../checkpoint/checkpoint-id-counter.ts';
import type { CompletedCheckpoint } from '../checkpoint/completed-checkpoint.ts';
import { DefaultCompletedCheckpointStore } from '../checkpoint/default-completed-checkpoint-store.ts';
import { RestoreError } from '../checkpoint/restore/restored-job-state.ts';
import { RESTORED_FROM_RECORD, decodeRestoredFrom, encodeRestoredFrom } from '../checkpoint/restored-from.ts';
import type { CheckpointStorage } from '../checkpoint/storage/checkpoint-storage.ts';
import { CorruptStateError } from '../checkpoint/storage/checkpoint-storage.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { RestoredState } from '../runtime/task-builder.ts';
import type { CheckpointingSpec } from './job-run.ts';
import { restoreFrom } from './restore-from.ts';

/** Where a job's checkpoints stand when it starts: what recovery and the coordinator work with. */
export interface RecoveredCheckpoints {
  readonly store: DefaultCompletedCheckpointStore;
  readonly idCounter: CheckpointIdCounter;
  /** The checkpoint `fromCheckpoint` named, already loaded: the first attempt restores it, with no fallback. */
  readonly explicit: { readonly checkpoint: CompletedCheckpoint; readonly state: RestoredState } | undefined;
}

/**
 * Opens a job's checkpoints when it starts (it holds the job's lease, so nobody else writes them):
 *
 * - remains of checkpoints that never completed are deleted; with `fresh`, every checkpoint is,
 *   and so is the record of what the job last restored from;
 * - with `fromCheckpoint`, that checkpoint or savepoint is loaded and becomes the job's latest
 *   completed checkpoint (as in Flink): the job's own checkpoints belong to the history it leaves
 *   and are discarded, and a savepoint is recorded beside the checkpoints so that a crash before
 *   the next checkpoint completes goes back to it, in this process and in the next run;
 * - otherwise the retained checkpoints (and a recorded savepoint, while no newer checkpoint has
 *   subsumed it) are the candidates; if checkpoints exist and every one is damaged, the job fails
 *   rather than start from nothing while sinks clean up and sources replay from the beginning.
 *
 * Checkpoint ids continue above every id on storage and above the checkpoint restored from.
 */
export async function recoverCheckpoints(
  cp: CheckpointingSpec,
  graph: ExecutionGraph,
  logger: Logger,
  /** Subtasks whose keyed state to decode (see `loadRestoredState`); default every one. */
  only?: ReadonlySet<string>,
): Promise<RecoveredCheckpoints> {
  const { storage, fresh } = cp;
  const { complete, damaged } = await openCheckpoints(storage, logger, fresh);
  const forget = async (): Promise<void> => {
    await storage.writeJobRecord?.(RESTORED_FROM_RECORD, undefined);
  };
  if (fresh) await forget();
  const listing = await storage.list();
  const newStore = (initial: readonly CompletedCheckpoint[]) =>
    new DefaultCompletedCheckpointStore(storage, cp.config.retained, initial, logger, forget);

  if (cp.fromCheckpoint !== undefined) {
    const location = await storage.resolve(cp.fromCheckpoint);
    const own = listing.some((e) => e.location.pointer === location.pointer);
    const checkpoint: CompletedCheckpoint = {
      checkpointId: location.checkpointId,
      location,
      metadata: await storage.readMetadata(location),
      foreign: !own,
    };
    const state = await restoreFrom(checkpoint, storage, graph, { ...cp, logger, only });
    const others = complete.filter((c) => c.location.pointer !== location.pointer).map((c) => c.checkpointId);
    if (others.length > 0) {
      logger.warn({ discarded: others, pointer: location.pointer }, `the job now continues from ${location.pointer}: its checkpoints ${others.join(', ')} are discarded`);
    }
    const store = newStore(complete);
    await store.resetTo(checkpoint);
    if (own) await forget();
    else await storage.writeJobRecord?.(RESTORED_FROM_RECORD, encodeRestoredFrom({ pointer: location.pointer, checkpointId: location.checkpointId }));
    return { store, idCounter: CheckpointIdCounter.fromListing(listing, checkpoint.checkpointId), explicit: { checkpoint, state } };
  }

  const initial = [...complete];
  const record = await readRestoredFrom(storage);
  if (record !== undefined && !initial.some((c) => c.location.pointer === record.pointer)) {
    const restored = await resolveRecorded(storage, record.pointer, logger);
    const newest = complete.map((c) => c.checkpointId).sort((a, b) => b - a);
    const subsumed = newest.length >= cp.config.retained && record.checkpointId < newest[cp.config.retained - 1];
    if (restored !== undefined && !subsumed) initial.push(restored);
    else await forget();
  }
  if (initial.length === 0 && damaged.length > 0) {
    throw new RestoreError(
      `every checkpoint of job '${graph.jobName}' is damaged (${damaged.join('; ')}): nothing to restore from. ` +
        'Start over with --fresh (fresh: true), or restore a savepoint with --from-savepoint',
    );
  }
  return {
    store: newStore(initial),
    idCounter: CheckpointIdCounter.fromListing(listing, record?.checkpointId),
    explicit: undefined,
  };
}

/**
 * The complete checkpoints on storage (metadata readable), oldest first, and what was damaged.
 * Remains of checkpoints that never completed are deleted: no attempt is running yet, so none of
 * them can still be in progress. With `fresh`, every checkpoint is deleted so that a crash of the
 * new run can never fall back to the old one.
 */
async function openCheckpoints(
  storage: CheckpointStorage,
  logger: Logger,
  fresh: boolean,
): Promise<{ complete: CompletedCheckpoint[]; damaged: string[] }> {
  await storage.initialize();
  const listing = await storage.list();
  const complete: CompletedCheckpoint[] = [];
  const damaged: string[] = [];
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
      damaged.push(`checkpoint ${entry.checkpointId}: ${e.message}`);
      logger.warn({ checkpointId: entry.checkpointId, reason: e.message }, 'skipping a damaged checkpoint: its metadata cannot be read');
    }
  }
  return { complete, damaged };
}

async function readRestoredFrom(storage: CheckpointStorage): Promise<ReturnType<typeof decodeRestoredFrom>> {
  const bytes = await storage.readJobRecord?.(RESTORED_FROM_RECORD);
  return bytes === undefined ? undefined : decodeRestoredFrom(bytes);
}

async function resolveRecorded(storage: CheckpointStorage, pointer: string, logger: Logger): Promise<CompletedCheckpoint | undefined> {
  try {
    const location = await storage.resolve(pointer);
    return { checkpointId: location.checkpointId, location, metadata: await storage.readMetadata(location), foreign: true };
  } catch (e) {
    logger.warn({ pointer, err: e }, 'the savepoint the job last restored from cannot be read any more; it is no longer a candidate');
    return undefined;
  }
}

/**
 * Restores from the newest of `candidates` whose state reads back intact, falling back to older
 * ones with a warning naming what was damaged. `undefined` when there are no candidates; when
 * every candidate is damaged, rejects with a {@link RestoreError} (starting from nothing would
 * replay the sources from the beginning while the sinks discard what they staged).
 */
export async function restoreLatest(
  candidates: readonly CompletedCheckpoint[],
  storage: CheckpointStorage,
  graph: ExecutionGraph,
  options: { allowNonRestoredState: boolean; logger: Logger; only?: ReadonlySet<string> },
): Promise<{ checkpoint: CompletedCheckpoint; state: RestoredState } | undefined> {
  const damaged: string[] = [];
  for (let i = candidates.length - 1; i >= 0; i--) {
    const checkpoint = candidates[i];
    try {
      return { checkpoint, state: await restoreFrom(checkpoint, storage, graph, options) };
    } catch (e) {
      if (!(e instanceof CorruptStateError)) throw e;
      damaged.push(`${checkpoint.location.pointer}: ${e.message}`);
      options.logger.warn(
        { checkpointId: checkpoint.checkpointId, pointer: checkpoint.location.pointer, reason: e.message },
        i > 0 ? 'checkpoint is damaged; falling back to the previous one' : 'checkpoint is damaged and no earlier one is retained',
      );
    }
  }
  if (damaged.length > 0) {
    throw new RestoreError(
      `every retained checkpoint of job '${graph.jobName}' is damaged (${damaged.join('; ')}): nothing to restore from. ` +
        'Start over with --fresh (fresh: true), or restore a savepoint with --from-savepoint',
    );
  }
  return undefined;
}
