import type { Key } from '../key.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../descriptors.ts';
import type { ListState, MapState, ReducingState, ValueState } from '../state.ts';
import type {
  KeyedStateBackend,
  KeyedStateBackendParameters,
  KeyedStateSnapshot,
  KeyGroupSnapshot,
  StateBackend,
} from '../state-backend.ts';
import { StateTable } from './state-table.ts';
import { CopyOnAccessSnapshots } from './copy-on-access-snapshots.ts';
import { encodeKeyGroupStates, type KeyGroupStateSource } from '../snapshot/snapshot-codec.ts';
import { HeapListState, HeapMapState, HeapReducingState, HeapValueState, type CurrentKey } from './heap-states.ts';

/** The default state backend: keyed state in `Map`s on the JS heap, one per key group. */
export class HeapStateBackend implements StateBackend {
  readonly name = 'heap';

  createKeyedStateBackend(parameters: KeyedStateBackendParameters): KeyedStateBackend {
    return new HeapKeyedStateBackend(parameters.keyGroupRange, parameters.maxParallelism);
  }
}

interface Registered {
  readonly kind: StateDescriptor['kind'];
  readonly table: StateTable<unknown>;
  readonly handle: unknown;
}

export class HeapKeyedStateBackend implements KeyedStateBackend {
  readonly #current: CurrentKey = { key: 0, index: 0 };
  readonly #states = new Map<string, Registered>();
  readonly #snapshots: CopyOnAccessSnapshots;

  constructor(
    readonly keyGroupRange: KeyGroupRange,
    readonly maxParallelism: number,
  ) {
    this.#snapshots = new CopyOnAccessSnapshots(keyGroupRange, (index) => this.#encodeGroup(index));
  }

  setCurrentKey(key: Key, keyGroup: number): void {
    const index = keyGroup - this.keyGroupRange.start;
    this.#current.key = key;
    this.#current.index = index;
    // Every state access of a record follows this call: the one place a running snapshot can take
    // its copy of the group before the record changes it.
    if (this.#snapshots.active !== 0) this.#snapshots.beforeAccess(index);
  }

  getCurrentKey(): Key {
    return this.#current.key;
  }

  getValueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.#register(d, () => new StateTable<T>(d.name, this.keyGroupRange), (t) =>
      new HeapValueState<T>(t as StateTable<T>, this.#current, d.defaultValue),
    );
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    const table = () => new StateTable<T[]>(d.name, this.keyGroupRange);
    return this.#register(d, table, (t) => new HeapListState<T>(t as StateTable<T[]>, this.#current));
  }

  getMapState<UK, UV>(d: MapStateDescriptor<UK, UV>): MapState<UK, UV> {
    // Stored as entry arrays: what msgpack keeps best, and the format restore expects.
    const table = () =>
      new StateTable<Map<UK, UV>>(
        d.name,
        this.keyGroupRange,
        (m) => [...m],
        (v) => new Map(v as [UK, UV][]),
      );
    return this.#register(d, table, (t) => new HeapMapState<UK, UV>(t as StateTable<Map<UK, UV>>, this.#current));
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.#register(d, () => new StateTable<T>(d.name, this.keyGroupRange), (t) =>
      new HeapReducingState<T>(t as StateTable<T>, this.#current, d.reduce),
    );
  }

  numKeys(): number {
    let n = 0;
    for (const s of this.#states.values()) n += s.table.size();
    return n;
  }

  snapshot(): KeyedStateSnapshot {
    const snapshot = this.#snapshots.start();
    // The current key's group may still be touched without another setCurrentKey (by code that
    // runs between records): take its copy now.
    if (this.#snapshots.active !== 0) this.#snapshots.encode(this.#current.index);
    return snapshot;
  }

  #encodeGroup(index: number): Uint8Array {
    const keyGroup = this.keyGroupRange.start + index;
    const sources: KeyGroupStateSource[] = [];
    for (const s of this.#states.values()) sources.push(s.table.keyGroupSource(keyGroup));
    // Restored entries whose state no function has asked for yet are kept, not dropped.
    for (const t of this.#restored.values()) sources.push(t.keyGroupSource(keyGroup));
    return encodeKeyGroupStates(sources);
  }

  restoreKeyGroup(keyGroup: number, snapshot: KeyGroupSnapshot): void {
    for (const entries of snapshot) {
      const s = this.#states.get(entries.name);
      if (s === undefined) {
        // Restored before the function asked for its state: keep the entries in a table that the
        // first getXState(name) call adopts.
        this.#pending(entries.name).restoreKeyGroup(keyGroup, entries);
      } else {
        s.table.restoreKeyGroup(keyGroup, entries);
      }
    }
  }

  dispose(): void {
    this.#snapshots.stopAll();
    this.#states.clear();
    this.#restored.clear();
  }

  readonly #restored = new Map<string, StateTable<unknown>>();

  #pending(name: string): StateTable<unknown> {
    let t = this.#restored.get(name);
    if (t === undefined) {
      t = new StateTable<unknown>(name, this.keyGroupRange);
      this.#restored.set(name, t);
    }
    return t;
  }

  #register<H, V>(d: { readonly name: string; readonly kind: StateDescriptor['kind'] }, makeTable: () => StateTable<V>, makeHandle: (t: StateTable<V>) => H): H {
    const existing = this.#states.get(d.name);
    if (existing !== undefined) {
      if (existing.kind !== d.kind) {
        throw new Error(`state '${d.name}' is already registered as ${existing.kind} state, not ${d.kind} state`);
      }
      return existing.handle as H;
    }
    const table = makeTable();
    const restored = this.#restored.get(d.name);
    if (restored !== undefined) {
      // Values restored raw: load them through the table's loader (maps come back as entry arrays).
      for (let i = 0; i < restored.maps.length; i++) {
        for (const [k, v] of restored.maps[i]) table.maps[i].set(k, table.loadValue(v));
      }
      this.#restored.delete(d.name);
    }
    const handle = makeHandle(table);
    this.#states.set(d.name, { kind: d.kind, table: table as StateTable<unknown>, handle });
    return handle;
  }
}
