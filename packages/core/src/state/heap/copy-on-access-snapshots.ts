import type { KeyGroupRange } from '../key-group-range.ts';
import type { KeyedStateSnapshot } from '../state-backend.ts';

/**
 * The running snapshots of one heap backend, and which of its key groups they still wait for.
 *
 * Heap state is a live `Map` per key group, so a snapshot cannot just keep references: records
 * that follow the barrier change the maps, and may mutate stored values in place. Copying every
 * group at the barrier (what Weir did first) stalls the task and doubles the work: a copy, then
 * an encode. Instead a group is encoded once, straight from the live maps, either by the
 * snapshot's background slices or, if a record for that group arrives first, just before the
 * record touches it (the backend calls {@link beforeAccess} from `setCurrentKey`). Either way the
 * bytes hold the group as it was at the barrier. This is Flink's copy-on-write heap snapshot, at
 * key group granularity and with the encoded bytes as the copy.
 *
 * When a second snapshot starts before the first is done, a group neither has encoded has not been
 * touched since the first barrier, so one encoding serves both.
 */
export class CopyOnAccessSnapshots {
  /** 1 while a running snapshot still needs group `index` as it was at its barrier. */
  readonly #pending: Uint8Array;
  readonly #running = new Set<HeapKeyedSnapshot>();
  /** `#running.size`, as a plain field: read once per record. */
  active = 0;

  constructor(
    readonly range: KeyGroupRange,
    /** Encodes group `range.start + index` of every state, as it is now. */
    readonly encodeGroup: (index: number) => Uint8Array,
  ) {
    this.#pending = new Uint8Array(range.size);
  }

  /** Starts a snapshot of every group as it is now. */
  start(): KeyedStateSnapshot {
    const snapshot = new HeapKeyedSnapshot(this);
    if (snapshot.remaining === 0) return snapshot;
    this.#running.add(snapshot);
    this.active = this.#running.size;
    this.#pending.fill(1);
    return snapshot;
  }

  /** Called before any state of group `index` is read or written. */
  beforeAccess(index: number): void {
    if (this.#pending[index] === 0) return;
    // Credited before encoding: the snapshot that this group completes leaves the running set.
    const waiting = [...this.#running].filter((s) => s.parts[index] === undefined);
    const t0 = performance.now();
    this.encode(index);
    const ms = performance.now() - t0;
    for (const s of waiting) s.recordPathMs += ms;
  }

  /**
   * Encodes group `index` for every running snapshot that does not have it yet. A value that cannot
   * be encoded fails those snapshots (their checkpoint is declined, as a failed write would be)
   * rather than the record that happened to touch the group.
   */
  encode(index: number): void {
    let bytes: Uint8Array;
    try {
      bytes = this.encodeGroup(index);
    } catch (e) {
      for (const s of [...this.#running]) if (s.parts[index] === undefined) this.stop(s, e);
      this.#pending[index] = 0;
      return;
    }
    this.#pending[index] = 0;
    for (const s of this.#running) {
      if (s.parts[index] !== undefined) continue;
      s.parts[index] = bytes;
      if (--s.remaining === 0) this.stop(s);
    }
  }

  /** Takes a snapshot out of the running set: done, released, or failed with `error`. */
  stop(snapshot: HeapKeyedSnapshot, error?: unknown): void {
    if (!this.#running.delete(snapshot)) return;
    if (snapshot.remaining > 0) snapshot.stopped = error ?? new Error('the snapshot was released before it was complete');
    this.active = this.#running.size;
    // With none left, no group is pending; with some left, extra flags only cost an encode nobody
    // keeps, and the flags of groups they still need must stay.
    if (this.active === 0) this.#pending.fill(0);
  }

  stopAll(): void {
    for (const s of [...this.#running]) this.stop(s);
  }
}

class HeapKeyedSnapshot implements KeyedStateSnapshot {
  readonly parts: (Uint8Array | undefined)[];
  remaining: number;
  recordPathMs = 0;
  /** Why the snapshot stopped before it was complete (released, or a group failed to encode). */
  stopped: unknown = undefined;
  #cursor = 0;

  constructor(readonly owner: CopyOnAccessSnapshots) {
    this.parts = new Array(owner.range.size).fill(undefined);
    this.remaining = owner.range.size;
  }

  get keyGroupRange(): KeyGroupRange {
    return this.owner.range;
  }

  encodeSome(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    while (this.remaining > 0) {
      if (this.stopped !== undefined) throw this.stopped;
      while (this.parts[this.#cursor] !== undefined) this.#cursor++;
      this.owner.encode(this.#cursor);
      if (performance.now() > deadline) break;
    }
    if (this.stopped !== undefined && this.remaining > 0) throw this.stopped;
    return this.remaining === 0;
  }

  encodedKeyGroups(): readonly Uint8Array[] {
    if (this.stopped !== undefined) throw this.stopped;
    if (this.remaining > 0) throw new Error('the snapshot has key groups not encoded yet: call encodeSome until it returns true');
    return this.parts as Uint8Array[];
  }

  release(): void {
    this.owner.stop(this);
  }
}
