import type { Key } from '../key.ts';
import type { ListState, MapState, ReducingState, ValueState } from '../state.ts';
import type { StateTable } from './state-table.ts';
import type { ColumnarStateTable } from './columnar-state-table.ts';

/** Where the current key is: shared by every state of one backend, written once per record. */
export interface CurrentKey {
  key: Key;
  /** `keyGroup - range.start`: the index into each StateTable's `maps`. */
  index: number;
}

/** Value state over a columnar table: values are copied in on `update` and out on `value()`. */
export class HeapValueState<T> implements ValueState<T> {
  constructor(
    readonly table: ColumnarStateTable<T>,
    readonly current: CurrentKey,
    readonly defaultValue: T | undefined,
  ) {}

  value(): T | undefined {
    const v = this.table.get(this.current.index, this.current.key);
    if (v !== undefined) return v;
    // A fresh default per call: handing out the descriptor's own object would let one key's
    // in-place change reach every key that starts from it (and the checkpoints holding them).
    const d = this.defaultValue;
    return typeof d === 'object' && d !== null ? structuredClone(d) : d;
  }

  update(value: T): void {
    if (value === undefined) this.clear();
    else this.table.set(this.current.index, this.current.key, value);
  }

  clear(): void {
    this.table.delete(this.current.index, this.current.key);
  }
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Lists are appended in place; a snapshot encodes each key group before a record next touches it. */
export class HeapListState<T> implements ListState<T> {
  constructor(
    readonly table: StateTable<T[]>,
    readonly current: CurrentKey,
  ) {}

  get(): readonly T[] {
    return this.table.maps[this.current.index].get(this.current.key) ?? EMPTY;
  }

  add(value: T): void {
    const map = this.table.maps[this.current.index];
    const list = map.get(this.current.key);
    if (list === undefined) map.set(this.current.key, [value]);
    else list.push(value);
  }

  addAll(values: readonly T[]): void {
    for (const v of values) this.add(v);
  }

  update(values: readonly T[]): void {
    if (values.length === 0) this.clear();
    else this.table.maps[this.current.index].set(this.current.key, values.slice());
  }

  clear(): void {
    this.table.maps[this.current.index].delete(this.current.key);
  }
}

export class HeapMapState<UK, UV> implements MapState<UK, UV> {
  constructor(
    readonly table: StateTable<Map<UK, UV>>,
    readonly current: CurrentKey,
  ) {}

  #map(): Map<UK, UV> | undefined {
    return this.table.maps[this.current.index].get(this.current.key);
  }

  get(key: UK): UV | undefined {
    return this.#map()?.get(key);
  }

  put(key: UK, value: UV): void {
    let m = this.#map();
    if (m === undefined) {
      m = new Map();
      this.table.maps[this.current.index].set(this.current.key, m);
    }
    m.set(key, value);
  }

  remove(key: UK): void {
    const m = this.#map();
    if (m === undefined) return;
    m.delete(key);
    if (m.size === 0) this.clear();
  }

  contains(key: UK): boolean {
    return this.#map()?.has(key) ?? false;
  }

  entries(): IterableIterator<[UK, UV]> {
    return (this.#map() ?? new Map<UK, UV>()).entries();
  }

  keys(): IterableIterator<UK> {
    return (this.#map() ?? new Map<UK, UV>()).keys();
  }

  values(): IterableIterator<UV> {
    return (this.#map() ?? new Map<UK, UV>()).values();
  }

  isEmpty(): boolean {
    return this.#map() === undefined;
  }

  clear(): void {
    this.table.maps[this.current.index].delete(this.current.key);
  }
}

export class HeapReducingState<T> implements ReducingState<T> {
  constructor(
    readonly table: ColumnarStateTable<T>,
    readonly current: CurrentKey,
    readonly reduce: (accumulator: T, value: T) => T,
  ) {}

  get(): T | undefined {
    return this.table.get(this.current.index, this.current.key);
  }

  add(value: T): void {
    const { index, key } = this.current;
    const acc = this.table.get(index, key);
    this.table.set(index, key, acc === undefined ? value : this.reduce(acc, value));
  }

  clear(): void {
    this.table.delete(this.current.index, this.current.key);
  }
}
