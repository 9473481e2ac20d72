import type { KeyGroupRange } from '../key-group-range.ts';
import type { StateEntries } from '../state-backend.ts';
import type { KeyGroupStateSource } from '../snapshot/snapshot-codec.ts';

/**
 * A state's entries restored before any function asked for the state (a restore runs before the
 * operators open): kept as decoded, per key group, until the first `getXState(name)` loads them
 * into a table of the right kind and layout. Kept as arrays, not in maps: with a million keys,
 * building maps here only to read them out again was most of a restore's time. A checkpoint taken
 * while no function has asked for the state still writes them (see {@link keyGroupSource}).
 */
export class RestoredEntries {
  /** Per key group of the range (index 0 = range.start): its entries, in the order restored. */
  readonly groups: StateEntries[][];
  #size = 0;

  constructor(
    readonly name: string,
    readonly range: KeyGroupRange,
  ) {
    this.groups = Array.from({ length: range.size }, () => []);
  }

  /** Keys restored, over every key group. */
  size(): number {
    return this.#size;
  }

  add(keyGroup: number, entries: StateEntries): void {
    this.groups[keyGroup - this.range.start].push(entries);
    this.#size += entries.keys.length;
  }

  /** One key group as the encoder reads it, for a checkpoint taken before the state was asked for. */
  keyGroupSource(keyGroup: number): KeyGroupStateSource {
    const parts = this.groups[keyGroup - this.range.start];
    let size = 0;
    for (const p of parts) size += p.keys.length;
    return {
      name: this.name,
      size,
      keys: () => walk(parts, (p) => p.keys),
      values: () => walk(parts, (p) => p.values),
    };
  }
}

function* walk<T>(parts: readonly StateEntries[], column: (p: StateEntries) => ArrayLike<T>): IterableIterator<T> {
  for (const p of parts) {
    const c = column(p);
    for (let i = 0; i < c.length; i++) yield c[i];
  }
}
