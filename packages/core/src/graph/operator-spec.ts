import type {
  Collector,
  KeyedProcessFunction,
  ProcessFunction,
} from '../api/functions.ts';
import type { Sink } from '../connector/sink.ts';
import type { Key } from '../state/key.ts';

/**
 * What an operator does, as the API describes it: a kind and the user's function (or sink). The
 * runtime builds the operator of each subtask from it (runtime/operators/create-operator.ts), so
 * the API never reaches into the runtime.
 */
export type OperatorSpec =
  | { readonly kind: 'map'; readonly fn: (value: unknown) => unknown }
  | { readonly kind: 'filter'; readonly fn: (value: unknown) => boolean }
  | { readonly kind: 'flatMap'; readonly fn: (value: unknown, out: Collector<unknown>) => void }
  | { readonly kind: 'process'; readonly fn: ProcessFunction<unknown, unknown> }
  | { readonly kind: 'reduce'; readonly fn: (accumulator: unknown, value: unknown) => unknown }
  | { readonly kind: 'keyedProcess'; readonly fn: KeyedProcessFunction<Key, unknown, unknown> }
  | { readonly kind: 'sink'; readonly sink: Sink<unknown> };

/** Operators that keep keyed state and so need a keyed input. */
export function needsKeyedInput(spec: OperatorSpec): boolean {
  return spec.kind === 'reduce' || spec.kind === 'keyedProcess';
}
