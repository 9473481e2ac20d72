import type { CompletedCheckpoint, CompletedCheckpointStore } from './completed-checkpoint.ts';
import type { WarningLogger } from './recovery.ts';
import { assertRetained, subsumed } from './retention.ts';
import type { CheckpointStorage } from './storage/checkpoint-storage.ts';

/**
 * The completed checkpoints of a job, kept in memory (oldest first) over a {@link CheckpointStorage}.
 *
 * `add` records the new checkpoint first and only then discards the ones it subsumes (see
 * `retention.ts`), so that at no instant is there fewer than one complete checkpoint on storage. A
 * discard that fails is logged and forgotten: the checkpoint has already left the store, and its
 * directory (with its metadata) stays behind on storage until someone deletes it. Checkpoints passed
 * as `initial` beyond `retained` are subsumed by the next `add`.
 *
 * A savepoint (or another job's checkpoint) the job was restored from is held like a checkpoint,
 * the latest one until a newer completes (as Flink does), but subsuming it never deletes it: it
 * is the user's. `onSubsumedForeign` hears of it, so that the job can forget it restored from it.
 */
export class DefaultCompletedCheckpointStore implements CompletedCheckpointStore {
  readonly retained: number;
  readonly #storage: CheckpointStorage;
  readonly #logger: WarningLogger | undefined;
  /** Oldest first, by checkpoint id. */
  #checkpoints: CompletedCheckpoint[];

  /** @throws RangeError naming `retained` unless it is an integer ≥ 1. */
  constructor(
    storage: CheckpointStorage,
    retained: number,
    initial: readonly CompletedCheckpoint[] = [],
    logger?: WarningLogger,
    readonly onSubsumedForeign?: (checkpoint: CompletedCheckpoint) => Promise<void>,
  ) {
    assertRetained(retained);
    this.retained = retained;
    this.#storage = storage;
    this.#logger = logger;
    this.#checkpoints = [...initial].sort((a, b) => a.checkpointId - b.checkpointId);
  }

  async add(checkpoint: CompletedCheckpoint): Promise<CompletedCheckpoint[]> {
    if (this.#checkpoints.some((c) => c.checkpointId === checkpoint.checkpointId)) {
      throw new Error(`checkpoint ${checkpoint.checkpointId} is already in the store`);
    }
    const all = [...this.#checkpoints, checkpoint].sort((a, b) => a.checkpointId - b.checkpointId);
    const dropped = subsumed(all, this.retained);
    // Recorded before any discard: a crash between the two leaves extra checkpoints, never too few.
    this.#checkpoints = all.filter((c) => !dropped.includes(c));
    for (const old of dropped) {
      try {
        if (!isOwn(old)) {
          await this.onSubsumedForeign?.(old);
          continue;
        }
        await this.#storage.discard(old.location);
      } catch (err) {
        this.#logger?.warn(
          { checkpointId: old.checkpointId, pointer: old.location.pointer, err },
          `could not discard subsumed checkpoint ${old.checkpointId}; its files stay on storage`,
        );
      }
    }
    return dropped;
  }

  /** Forgets every checkpoint but `keep` (a restore from an older one started a new history); discards the job's own. */
  async resetTo(keep: CompletedCheckpoint): Promise<void> {
    const dropped = this.#checkpoints.filter((c) => c.location.pointer !== keep.location.pointer);
    this.#checkpoints = [keep];
    for (const old of dropped) {
      if (!isOwn(old)) continue;
      try {
        await this.#storage.discard(old.location);
      } catch (err) {
        this.#logger?.warn({ checkpointId: old.checkpointId, pointer: old.location.pointer, err }, `could not discard checkpoint ${old.checkpointId}`);
      }
    }
  }

  latest(): CompletedCheckpoint | undefined {
    return this.#checkpoints.at(-1);
  }

  all(): readonly CompletedCheckpoint[] {
    return [...this.#checkpoints];
  }
}

/** Whether the job's storage made this checkpoint (a `chk-<n>` of its own), as opposed to a restored savepoint. */
function isOwn(checkpoint: CompletedCheckpoint): boolean {
  return checkpoint.location.kind === 'checkpoint' && checkpoint.foreign !== true;
}
