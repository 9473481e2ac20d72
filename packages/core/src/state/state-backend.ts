import type { Key } from './key.ts';
import type { KeyGroupRange } from './key-group-range.ts';
import type {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './descriptors.ts';
import type { ListState, MapState, ReducingState, ValueState } from './state.ts';
import type { KeyGroupedTimerQueue } from './timers/key-grouped-timer-queue.ts';

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
  /** The current key's group, relative to the range (`keyGroup - keyGroupRange.start`). */
  getCurrentKeyGroupIndex(): number;
  getValueState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  /**
   * The timer queue named `name` (it must start with `__timers/`), created on first use: timers
   * are keyed state, snapshotted, restored and rescaled with their key groups. Change a group's
   * timers only after `setCurrentKey` to a key of that group, as for any state, so that a running
   * snapshot has copied the group first.
   */
  getTimerQueue(name: string): KeyGroupedTimerQueue;
  /** Number of keys with state, summed over every registered state (for metrics and tests). */
  numKeys(): number;
  /**
   * Starts a snapshot of every key group as it is now. Called at the barrier, so it must be cheap:
   * the state is encoded afterwards, key group by key group, while records keep flowing (see
   * {@link KeyedStateSnapshot}).
   */
  snapshot(): KeyedStateSnapshot;
  /** Loads one key group of a snapshot (written by this or another parallelism), decoded. */
  restoreKeyGroup(keyGroup: number, snapshot: KeyGroupSnapshot): void;
  dispose(): void;
}

/**
 * A snapshot of a backend's key groups in progress. Its content is the state at the barrier that
 * started it, whatever happens to the state afterwards: a backend must encode a key group before
 * the group's state is next read or written (copy on access), so values mutated in place after
 * the barrier are not seen. Groups nobody touches are encoded by {@link encodeSome}, a slice at a
 * time, off the record path.
 */
export interface KeyedStateSnapshot {
  readonly keyGroupRange: KeyGroupRange;
  /** Encodes key groups not encoded yet, for about `budgetMs`; true once every group is. */
  encodeSome(budgetMs: number): boolean;
  /** Each key group's bytes (the snapshot codec's format), in range order; once encodeSome returned true. */
  encodedKeyGroups(): readonly Uint8Array[];
  /** Time spent encoding on the record path (groups accessed before {@link encodeSome} reached them), ms. */
  readonly recordPathMs: number;
  /** Gives the snapshot up: groups not encoded yet are no longer waited for. Idempotent. */
  release(): void;
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
