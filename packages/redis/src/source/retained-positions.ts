/**
 * What a source may release (trim, acknowledge) once a checkpoint completes: for each split, the
 * position every retained checkpoint is past.
 *
 * The source records the position of each split at every snapshot. When checkpoint n completes, n
 * joins the last `retained` complete checkpoints (older ones drop out, as in the checkpoint store),
 * and a split may be released up to the lowest position any of them holds for it: recovery may fall
 * back from a damaged newest checkpoint to an older retained one, which needs its input still there.
 * A retained checkpoint that does not hold a split at all (the split is newer) holds it at its very
 * start: nothing of that split is released.
 *
 * After a restore, the restored positions count as one complete checkpoint: nothing the restored
 * checkpoint needs is released before `retained` newer ones have completed.
 *
 * Pure bookkeeping, no I/O. Positions compare with `compare` (offsets, stream ids).
 */
export class RetainedPositions<P> {
  /** Snapshots taken and not yet complete, by checkpoint id. */
  readonly #pending = new Map<number, ReadonlyMap<string, P>>();
  /** The last `retained` complete ones, oldest first. */
  readonly #complete: ReadonlyMap<string, P>[] = [];

  constructor(
    readonly retained: number,
    readonly compare: (a: P, b: P) => number,
    restored?: ReadonlyMap<string, P>,
  ) {
    if (!Number.isInteger(retained) || retained < 1) throw new RangeError(`retained checkpoints must be an integer ≥ 1, got ${retained}`);
    if (restored !== undefined) this.#complete.push(restored);
  }

  /** The source snapshotted `positions` (split → position) for checkpoint `checkpointId`. */
  snapshotted(checkpointId: number, positions: ReadonlyMap<string, P>): void {
    this.#pending.set(checkpointId, positions);
  }

  /** Checkpoint `checkpointId` will never complete. */
  aborted(checkpointId: number): void {
    this.#pending.delete(checkpointId);
  }

  /**
   * Checkpoint `checkpointId` completed. Returns its own positions (what it committed) and, per
   * split, the position every retained checkpoint is past; `undefined` if this source took no
   * snapshot for it. Older pending snapshots are subsumed and forgotten.
   */
  completed(checkpointId: number): { committed: ReadonlyMap<string, P>; releasable: Map<string, P> } | undefined {
    const committed = this.#pending.get(checkpointId);
    if (committed === undefined) return undefined;
    for (const id of this.#pending.keys()) if (id <= checkpointId) this.#pending.delete(id);
    this.#complete.push(committed);
    while (this.#complete.length > this.retained) this.#complete.shift();
    const releasable = new Map<string, P>();
    for (const [split, position] of committed) {
      let low: P | undefined = position;
      for (const c of this.#complete) {
        const p = c.get(split);
        if (p === undefined) {
          low = undefined;
          break;
        }
        if (this.compare(p, low) < 0) low = p;
      }
      if (low !== undefined) releasable.set(split, low);
    }
    return { committed, releasable };
  }
}
