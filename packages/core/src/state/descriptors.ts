/**
 * State descriptors: a name (unique per operator) and what a fresh key starts with. A keyed
 * function obtains its state handles from descriptors in `open()`; the handle then reads and
 * writes the value of whatever key the current record has.
 */

/** Describes a {@link ValueState}: one value per key. */
export class ValueStateDescriptor<T> {
  readonly kind = 'value';
  constructor(
    readonly name: string,
    /** Returned by `value()` for a key that has no value yet. An object default must be plain data: it is copied (structuredClone) each time. */
    readonly defaultValue?: T,
  ) {}
}

/** Describes a {@link ListState}: a list of elements per key. */
export class ListStateDescriptor<T> {
  readonly kind = 'list';
  declare readonly __element?: T;
  constructor(readonly name: string) {}
}

/** Describes a {@link MapState}: a map per key. */
export class MapStateDescriptor<UK, UV> {
  readonly kind = 'map';
  declare readonly __entry?: [UK, UV];
  constructor(readonly name: string) {}
}

/** Describes a {@link ReducingState}: one value per key, folded with `reduce` on every add. */
export class ReducingStateDescriptor<T> {
  readonly kind = 'reducing';
  constructor(
    readonly name: string,
    readonly reduce: (accumulator: T, value: T) => T,
  ) {}
}

export type StateDescriptor =
  | ValueStateDescriptor<unknown>
  | ListStateDescriptor<unknown>
  | MapStateDescriptor<unknown, unknown>
  | ReducingStateDescriptor<unknown>;
