import type { Key } from '../key.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { StateEntries } from '../state-backend.ts';
import type { KeyGroupStateSource } from '../snapshot/snapshot-codec.ts';

/**
 * The values of one state, one `Map<key, value>` per key group of the subtask's range (Flink's
 * StateTable). Whole key groups are the unit of snapshot, restore and rescale.
 *
 * ```
 *   maps[0]  ── key group range.start     { k1 → v1, k7 → v7 }
 *   maps[1]  ── key group range.start + 1 { k3 → v3 }
 *   ...
 * ```
 */
export class StateTable<V> {
  readonly maps: Map<Key, V>[];

  constructor(
    readonly name: string,
    readonly range: KeyGroupRange,
    /** A value's stored form, as the snapshot encodes it (encoded at once, so no copy is needed). */
    readonly copyValue: (value: V) => unknown = identity,
    /** The inverse of `copyValue`, applied on restore. */
    readonly loadValue: (value: unknown) => V = identity as (value: unknown) => V,
  ) {
    this.maps = new Array(range.size);
    for (let i = 0; i < this.maps.length; i++) this.maps[i] = new Map();
  }

  size(): number {
    let n = 0;
    for (const m of this.maps) n += m.size;
    return n;
  }

  /**
   * One key group as the encoder reads it: the live map itself, with values in their stored form
   * (made once here when that differs from the live value).
   */
  keyGroupSource(keyGroup: number): KeyGroupStateSource {
    const map = this.maps[keyGroup - this.range.start];
    const copy = this.copyValue;
    if (copy === identity) return { name: this.name, size: map.size, keys: () => map.keys(), values: () => map.values() };
    const stored = Array.from(map.values(), copy);
    return { name: this.name, size: map.size, keys: () => map.keys(), values: () => stored.values() };
  }

  restoreKeyGroup(keyGroup: number, entries: StateEntries): void {
    const map = this.maps[keyGroup - this.range.start];
    const load = this.loadValue;
    const { keys, values } = entries;
    for (let i = 0; i < keys.length; i++) map.set(keys[i], load(values[i]));
  }
}

function identity<T>(v: T): T {
  return v;
}
