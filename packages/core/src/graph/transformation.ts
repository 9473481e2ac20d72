import type { ErrorPolicy } from '../connector/dead-letter.ts';
import type { Source } from '../connector/source.ts';
import type { OperatorSpec } from './operator-spec.ts';
import type { Key } from '../state/key.ts';

/**
 * How records of an edge are distributed over the downstream subtasks. `forward` keeps subtask i
 * to subtask i (and lets operators chain); `hash` sends each key to the subtask owning its key group.
 */
export type Partitioner =
  | { readonly kind: 'forward' }
  | { readonly kind: 'rebalance' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'hash'; readonly keySelector: (value: unknown) => Key };

/**
 * A node of the job as the API builds it (Flink's Transformation). Physical ones become operators;
 * partition and union are virtual: they only shape the edges between physical ones.
 */
export type Transformation = SourceTransformation | OneInputTransformation | PartitionTransformation | UnionTransformation;

interface Common {
  readonly id: number;
  /** Display name; defaults to the operator kind. */
  name: string;
  /** Stable identity of the operator's state across job versions; auto-generated when unset. */
  uid: string | undefined;
  /** `undefined`: the environment's default parallelism. */
  parallelism: number | undefined;
  maxParallelism: number | undefined;
  /** `false` after `disableChaining()`: the operator starts its own task. */
  chainable: boolean;
}

export interface SourceTransformation extends Common {
  readonly type: 'source';
  readonly source: Source<unknown>;
}

export interface OneInputTransformation extends Common {
  readonly type: 'operator' | 'sink';
  readonly input: Transformation;
  /** What the operator does; reduce and keyed process need a keyed input (through `keyBy`). */
  readonly operator: OperatorSpec;
  /** What to do when the user function throws; `undefined`: `'fail'`. Set by `onError(...)`. */
  onError?: ErrorPolicy;
}

export interface PartitionTransformation extends Common {
  readonly type: 'partition';
  readonly input: Transformation;
  readonly partitioner: Partitioner;
}

export interface UnionTransformation extends Common {
  readonly type: 'union';
  readonly inputs: readonly Transformation[];
}

export type PhysicalTransformation = SourceTransformation | OneInputTransformation;
