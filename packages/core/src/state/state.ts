/**
 * Keyed state handles. Every call reads or writes the state of the current key: the key of the
 * record being processed.
 *
 * Change a value, then call `update`: the heap backend keeps small states as the very objects you
 * stored, but large value and reducing states as columns, where `value()` returns a fresh copy and
 * a change without `update` is lost. Reading a value, changing it in place and calling `update` is
 * safe either way, also right after a checkpoint barrier: a checkpoint copies each key group before
 * a record next touches it. Changing a stored object of another key (through a reference kept
 * elsewhere) is not safe, as the checkpoint may not have copied it yet.
 */

/** One value per key (Flink's ValueState). */
export interface ValueState<T> {
  /** The value for the current key, or the descriptor's default when none was set. */
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

/** A list per key (Flink's ListState). */
export interface ListState<T> {
  /** The elements for the current key; an empty array when none. Do not mutate it. */
  get(): readonly T[];
  add(value: T): void;
  addAll(values: readonly T[]): void;
  /** Replaces the list. */
  update(values: readonly T[]): void;
  clear(): void;
}

/** A map per key (Flink's MapState). */
export interface MapState<UK, UV> {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  entries(): IterableIterator<[UK, UV]>;
  keys(): IterableIterator<UK>;
  values(): IterableIterator<UV>;
  isEmpty(): boolean;
  clear(): void;
}

/** One value per key, folded with the descriptor's reduce function on every `add` (Flink's ReducingState). */
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}
