import type { Logger } from 'pino';
import type { KeyedStateBackend } from '../../state/state-backend.ts';
import type { OperatorIdentity } from '../errors.ts';
import type { ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import type { CheckpointParticipant } from '../checkpointing/checkpointed.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';

/** What an operator subtask knows about where it runs. */
export interface OperatorContext extends OperatorIdentity {
  readonly jobName: string;
  readonly maxParallelism: number;
  /** The keyed state of this subtask; `null` unless the operator consumes a keyed stream. */
  readonly keyedBackend: KeyedStateBackend | null;
  readonly logger: Logger;
  /** This subtask's share of the operator's list state from the restored checkpoint. */
  readonly restoredLists: OperatorLists | undefined;
  /** Whether the job checkpoints. */
  readonly checkpointing: boolean;
}

/**
 * One operator subtask in a chain. An operator is itself the `Output` of the operator before it:
 * `collect` processes a record, so a chain is plain method calls with no queue between links.
 */
export interface StreamOperator<IN> extends Output<IN>, Omit<CheckpointParticipant, 'uid'> {
  readonly ctx: OperatorContext;
  open(): void | Promise<void>;
  /** End of input: emit whatever is still held, before end-of-stream goes downstream. */
  finish(): void | Promise<void>;
  /** Releases resources; called after finish, and also after a failure. */
  close(): void | Promise<void>;
}

/** Builds one subtask of an operator, given its context and where it emits to. */
export type OperatorFactory<IN, OUT> = (ctx: OperatorContext, output: Output<OUT>) => StreamOperator<IN>;

/** Forwards events and flushes to the output; subclasses implement `collect`. */
export abstract class AbstractStreamOperator<IN, OUT> implements StreamOperator<IN> {
  constructor(
    readonly ctx: OperatorContext,
    readonly output: Output<OUT>,
  ) {}

  abstract collect(value: IN): void;

  emitEvent(event: ControlEvent): void {
    this.output.emitEvent(event);
  }

  flush(): void {
    this.output.flush();
  }

  open(): void | Promise<void> {}
  finish(): void | Promise<void> {}
  close(): void | Promise<void> {}
}
