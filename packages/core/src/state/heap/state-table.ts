import type { Key } from '../key.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { StateEntries } from '../state-backend.ts';

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
    /** How a value is copied into a snapshot; identity for values that are replaced, never mutated. */
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

  /** Copies one key group's entries into parallel arrays (cheap: no array per entry). */
  snapshotKeyGroup(keyGroup: number): StateEntries {
    const map = this.maps[keyGroup - this.range.start];
    const keys: Key[] = new Array(map.size);
    const values: unknown[] = new Array(map.size);
    let i = 0;
    const copy = this.copyValue;
    for (const [k, v] of map) {
      keys[i] = k;
      values[i++] = copy(v);
    }
    return { name: this.name, keys, values };
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
