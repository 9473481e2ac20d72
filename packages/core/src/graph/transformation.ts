import type { WatermarkStrategy } from '../api/watermarks/watermark-strategy.ts';
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
export type Transformation =
  | SourceTransformation
  | OneInputTransformation
  | TwoInputTransformation
  | PartitionTransformation
  | UnionTransformation
  | SideOutputTransformation;

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
  /** How records get event time and watermarks are made; `undefined`: no event time. */
  readonly watermarkStrategy: WatermarkStrategy<unknown> | undefined;
  /** The environment's auto-watermark interval (ms), filled in when the job is submitted. */
  autoWatermarkInterval: number;
}

export interface OneInputTransformation extends Common {
  readonly type: 'operator' | 'sink';
  readonly input: Transformation;
  /** What the operator does; reduce and keyed process need a keyed input (through `keyBy`). */
  readonly operator: OperatorSpec;
  /** What to do when the user function throws; `undefined`: `'fail'`. Set by `onError(...)`. */
  onError?: ErrorPolicy;
  /**
   * With no parallelism of its own, the operator takes its input's, when the input reaches it
   * unpartitioned (so that it chains to it, as Flink's timestamp assigner and join taggers do);
   * otherwise the default. Resolved when the job graph is built, so a later `setParallelism` on the
   * input counts.
   */
  parallelismFromInput?: boolean;
}

/** An operator with two inputs (`connect`, `intervalJoin`): records of `input` and `input2` reach it apart. */
export interface TwoInputTransformation extends Common {
  readonly type: 'two-input';
  /** The first input (the stream `connect` or `intervalJoin` was called on). */
  readonly input: Transformation;
  readonly input2: Transformation;
  readonly operator: OperatorSpec;
  onError?: ErrorPolicy;
}

/** The side output `tag` of the operator that produced `input` (virtual, as a partition). */
export interface SideOutputTransformation extends Common {
  readonly type: 'side-output';
  readonly input: Transformation;
  readonly tag: string;
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

export type PhysicalTransformation = SourceTransformation | OneInputTransformation | TwoInputTransformation;
