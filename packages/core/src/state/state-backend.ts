import type { Key } from './key.ts';
import type { KeyGroupRange } from './key-group-range.ts';
import type {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './descriptors.ts';
import type { ListState, MapState, ReducingState, ValueState } from './state.ts';

/**
 * Keyed state of one subtask of one operator: the key groups of its range, each holding the state
 * of its keys. The task sets the current key before each record; state handles read it.
 */
export interface KeyedStateBackend {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  /** Sets the key (and its key group, already computed upstream) that state handles address. */
  setCurrentKey(key: Key, keyGroup: number): void;
  getCurrentKey(): Key;
  getValueState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  /** Number of keys with state, summed over every registered state (for metrics and tests). */
  numKeys(): number;
  /**
   * Copies the entries of one key group of every state, so that it can be encoded off the record
   * path while processing continues. States without entries in the group are left out.
   */
  snapshotKeyGroup(keyGroup: number): KeyGroupSnapshot;
  /** Loads one key group written by `snapshotKeyGroup` (by this or another parallelism). */
  restoreKeyGroup(keyGroup: number, snapshot: KeyGroupSnapshot): void;
  dispose(): void;
}

/**
 * The state of one key group: per state, its name and its entries as two parallel arrays (keys
 * and values): two arrays per state rather than one small array per entry, which is what makes
 * copying and encoding a million keys cheap.
 */
export type KeyGroupSnapshot = ReadonlyArray<StateEntries>;

export interface StateEntries {
  readonly name: string;
  readonly keys: ArrayLike<Key>;
  readonly values: ArrayLike<unknown>;
}

/** What a backend needs to build one subtask's keyed state. */
export interface KeyedStateBackendParameters {
  readonly operatorUid: string;
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
}

/**
 * Pluggable state backend (Flink's StateBackend): creates the keyed state of each keyed operator
 * subtask. The default keeps state on the JS heap ({@link HeapStateBackend}); a larger-than-memory
 * backend plugs in here.
 */
export interface StateBackend {
  readonly name: string;
  createKeyedStateBackend(parameters: KeyedStateBackendParameters): KeyedStateBackend;
}
