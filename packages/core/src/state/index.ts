export type { Key } from './key.ts';
export { hashKey } from './key.ts';
export {
  assignToKeyGroup,
  operatorIndexForKeyGroup,
  keyGroupRangeForOperatorIndex,
  DEFAULT_MAX_PARALLELISM,
  UPPER_BOUND_MAX_PARALLELISM,
} from './key-groups.ts';
export { KeyGroupRange } from './key-group-range.ts';
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  type StateDescriptor,
} from './descriptors.ts';
export type { ValueState, ListState, MapState, ReducingState } from './state.ts';
export type {
  StateBackend,
  KeyedStateBackend,
  KeyedStateBackendParameters,
  KeyedStateSnapshot,
  KeyGroupSnapshot,
  StateEntries,
} from './state-backend.ts';
export { HeapStateBackend, HeapKeyedStateBackend, DEFAULT_COLUMNS_FROM, type HeapStateBackendOptions } from './heap/heap-state-backend.ts';
