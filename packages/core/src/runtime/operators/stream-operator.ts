import type { Logger } from 'pino';
import type { KeyedStateBackend } from '../../state/state-backend.ts';
import { OperatorError, operatorFailure, type OperatorIdentity } from '../errors.ts';
import type { ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import type { CheckpointParticipant } from '../checkpointing/checkpointed.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import type { ProcessingTimeService } from '../time/processing-time-service.ts';
import type { RecordTime } from '../time/record-time.ts';

/** The fencing epoch of an attempt and the check of the job's lease (see `job-lease.ts`). */
export interface Fencing {
  readonly epoch: number;
  readonly checkLease: () => Promise<void>;
}

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
  /** The attempt's fencing epoch and lease check, for sinks (see `SinkWriterContext`). */
  readonly fencing: Fencing;
  /**
   * Set when the operator's error policy dead-letters (`onError({ deadLetter })`): called with a
   * record whose user function threw `attempts` times in a row. `null`: a throw fails the task.
   */
  readonly deadLetter: ((record: unknown, error: unknown, attempts: number) => void) | null;
  /** How many times the user function is called on one record before it is dead-lettered. */
  readonly attempts: number;
  /** The event time of the record being processed, shared by the task's chain (see {@link RecordTime}). */
  readonly time: RecordTime;
  /** Wall-clock time, and actions scheduled on the task's loop (processing-time timers). */
  readonly processingTime: ProcessingTimeService;
  /** This operator's side outputs that something reads, by tag id. */
  readonly sideOutputs: ReadonlyMap<string, Output<unknown>>;
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

/**
 * An operator with two inputs (connect, interval join): `collect` takes records of the first
 * input, `collect2` of the second; events come once, through `emitEvent`.
 */
export interface TwoInputStreamOperator extends StreamOperator<unknown> {
  collect2(value: unknown): void;
}

/** What {@link retryOrDeadLetter} returns when the record went to the dead-letter queue. */
export const DEAD_LETTERED: unique symbol = Symbol('dead-lettered');

/**
 * The error path of a user function call, per the operator's error policy: without a dead-letter
 * queue, or for an error a downstream operator already wrapped, throws the operator's failure;
 * otherwise calls `attempt` again, immediately (no backoff: a task never sleeps), until the function
 * has run `ctx.attempts` times, then dead-letters `record`. Runs only after a throw, so the path
 * without errors pays nothing for it.
 */
export function retryOrDeadLetter<R>(ctx: OperatorContext, record: unknown, error: unknown, attempt: () => R): R | typeof DEAD_LETTERED {
  if (ctx.deadLetter === null || error instanceof OperatorError) throw operatorFailure(ctx, error);
  let last = error;
  for (let n = 2; n <= ctx.attempts; n++) {
    try {
      return attempt();
    } catch (e) {
      if (e instanceof OperatorError) throw e;
      last = e;
    }
  }
  ctx.deadLetter(record, last, ctx.attempts);
  return DEAD_LETTERED;
}

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
