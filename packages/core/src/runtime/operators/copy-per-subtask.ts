/**
 * A shallow copy of a function object for one subtask, with the same prototype: fields that
 * `open()` sets (state handles, counters) then belong to that subtask alone, as Flink gets by
 * deserializing the function once per subtask.
 */
export function copyPerSubtask<F extends object>(fn: F): F {
  return Object.assign(Object.create(Object.getPrototypeOf(fn) as object | null) as F, fn);
}
