import type { CompletedCheckpoint, CompletedCheckpointStore } from '../completed-checkpoint.ts';
import type { CheckpointStorage } from '../storage/checkpoint-storage.ts';

/**
 * A {@link CompletedCheckpointStore} in an array, for tests: keeps the last `retained`, discards the
 * storage of the ones it subsumes after the new one is in. `failNextAdd` makes the next `add` reject
 * without adding.
 */
export class InMemoryCompletedCheckpointStore implements CompletedCheckpointStore {
  readonly retained: number;
  /** Ids passed to `add`, in call order. */
  readonly added: number[] = [];
  failNextAdd: Error | undefined;
  readonly #storage: CheckpointStorage;
  readonly #checkpoints: CompletedCheckpoint[] = [];

  constructor(storage: CheckpointStorage, retained = 2) {
    this.#storage = storage;
    this.retained = retained;
  }

  async add(checkpoint: CompletedCheckpoint): Promise<CompletedCheckpoint[]> {
    const failure = this.failNextAdd;
    this.failNextAdd = undefined;
    if (failure !== undefined) throw failure;
    const latest = this.latest();
    if (latest !== undefined && latest.checkpointId >= checkpoint.checkpointId) {
      throw new Error(`checkpoint ${checkpoint.checkpointId} added after ${latest.checkpointId}`);
    }
    this.added.push(checkpoint.checkpointId);
    this.#checkpoints.push(checkpoint);
    const subsumed = this.#checkpoints.splice(0, Math.max(0, this.#checkpoints.length - this.retained));
    for (const old of subsumed) await this.#storage.discard(old.location);
    return subsumed;
  }

  latest(): CompletedCheckpoint | undefined {
    return this.#checkpoints.at(-1);
  }

  all(): readonly CompletedCheckpoint[] {
    return [...this.#checkpoints];
  }
}
