import type { CheckpointListing } from './storage/checkpoint-storage.ts';

/**
 * Which checkpoints storage may drop: the retention rules, as pure functions over what the store
 * holds and what storage lists, so they are tested without a disk.
 *
 * Files are never shared between checkpoints in this design (there are no incremental checkpoints
 * yet: every checkpoint writes all of its state under its own location). So "delete a file only when
 * no retained checkpoint refers to it" reduces to: discarding a subsumed checkpoint is discarding its
 * whole location. When incremental checkpoints arrive, shared files need reference counting here.
 */

/**
 * The checkpoints that `retained` newer ones subsume: every checkpoint but the newest `retained`,
 * by checkpoint id (not by position in `checkpoints`), oldest first. With `retained ≥ 1` the newest
 * checkpoint is never subsumed.
 *
 * @throws RangeError when `retained` is not an integer ≥ 1.
 */
export function subsumed<T extends { readonly checkpointId: number }>(checkpoints: readonly T[], retained: number): T[] {
  assertRetained(retained);
  const oldestFirst = [...checkpoints].sort((a, b) => a.checkpointId - b.checkpointId);
  return oldestFirst.slice(0, Math.max(0, oldestFirst.length - retained));
}

/**
 * The incomplete checkpoints left to clean up: listed locations without metadata whose id is not in
 * progress. Such a checkpoint crashed or was aborted before `finalize`, so it can never be restored
 * and nothing will ever complete it. Checkpoints with metadata are never returned: they belong to
 * {@link subsumed}.
 */
export function incompleteToClean(
  listing: readonly CheckpointListing[],
  inProgressIds: Iterable<number>,
): CheckpointListing[] {
  const inProgress = new Set(inProgressIds);
  return listing.filter((entry) => !entry.hasMetadata && !inProgress.has(entry.checkpointId));
}

/** @throws RangeError naming the option `retained` unless it is an integer ≥ 1. */
export function assertRetained(retained: number): void {
  if (!Number.isSafeInteger(retained) || retained < 1) {
    throw new RangeError(`retained must be an integer ≥ 1, got ${String(retained)}`);
  }
}
