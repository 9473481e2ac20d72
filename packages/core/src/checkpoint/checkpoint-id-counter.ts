import type { CheckpointListing } from './storage/checkpoint-storage.ts';
import { isCheckpointId } from './storage/paths.ts';

/**
 * Checkpoint ids never repeat for a job, across restarts: the next id is 1 + the largest id storage
 * has seen, complete or not (an incomplete `chk-<n>` still owns its directory until it is cleaned
 * up), and larger than the checkpoint restored from (a savepoint may carry an id from elsewhere).
 * An empty job starts at 1.
 */
export function nextCheckpointId(listing: readonly CheckpointListing[], latestRestoredId?: number): number {
  let max = latestRestoredId ?? 0;
  for (const entry of listing) max = Math.max(max, entry.checkpointId);
  return max + 1;
}

/** Hands out checkpoint ids in increasing order; seed it with {@link nextCheckpointId}. */
export class CheckpointIdCounter {
  #next: number;

  /** @throws RangeError unless `next` is an integer ≥ 1. */
  constructor(next = 1) {
    if (!isCheckpointId(next)) throw new RangeError(`next checkpoint id must be an integer ≥ 1, got ${String(next)}`);
    this.#next = next;
  }

  /** A counter that continues after everything in `listing` and after `latestRestoredId`. */
  static fromListing(listing: readonly CheckpointListing[], latestRestoredId?: number): CheckpointIdCounter {
    return new CheckpointIdCounter(nextCheckpointId(listing, latestRestoredId));
  }

  /** The id the next call to {@link getAndIncrement} returns. */
  get(): number {
    return this.#next;
  }

  /** Returns the next id and moves past it. */
  getAndIncrement(): number {
    return this.#next++;
  }
}
