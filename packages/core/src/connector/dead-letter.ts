/**
 * Dead letters: records a job gives up on without failing. A source sends the input it cannot
 * decode; an operator with `.onError({ deadLetter })` sends the records its user function keeps
 * throwing on. Nothing is dropped silently: each letter carries the record, the error and how
 * many attempts were made, and goes to a {@link DeadLetterQueue} (a Redis list, a file, …).
 */

/** One record given up on. */
export interface DeadLetter {
  /**
   * What failed: the record itself (a plain value) for an operator; the raw bytes (a `Buffer`)
   * for a source that could not decode them.
   */
  readonly payload: unknown;
  /** The error, as `<name>: <message>`. */
  readonly error: string;
  /** Uid of the operator (or source) that gave up. */
  readonly operator: string;
  /** How many times the record was tried (1 for a record that could not be decoded). */
  readonly attempts: number;
  /** When it was given up on, in epoch milliseconds. */
  readonly time: number;
  /** Where the record came from (a stream or list name) when the sender knows it. */
  readonly source?: string;
  /** Its position in that source (a stream entry id, a list offset) when the sender knows it. */
  readonly position?: string;
}

/**
 * Where dead letters go. Dead letters are output: with {@link writeBatch}, an operator's letters
 * are staged in its checkpoint and written once the checkpoint completes, exactly once. A queue
 * with only `send` gets each letter right away, at least once (after a restore, a replayed record
 * can be sent again).
 */
export interface DeadLetterQueue {
  /** Queues one letter (at-least-once queues); must not block the task. */
  send(letter: DeadLetter): void;
  /**
   * Writes `letters` once, however often it is called with the same `batchId` (a restore repeats
   * the batches its checkpoint covers). Weir calls it when the checkpoint that covers the records
   * completes, in checkpoint order per operator subtask; `batchId` is unique per job, operator,
   * subtask and checkpoint.
   */
  writeBatch?(batchId: string, letters: readonly DeadLetter[]): Promise<void>;
  /** Releases connections when a job attempt ends; a later attempt may use the queue again. */
  close?(): Promise<void>;
  /**
   * Resolves once every letter sent before the call is durable; rejects if one could not be
   * written. Called in the asynchronous part of each checkpoint: a checkpoint completes only after
   * the letters of the records it covers are written, so input is never released before its
   * letter is safe.
   */
  flush?(): Promise<void>;
}

/**
 * What an operator does when its user function throws. `'fail'` (the default) fails the task and
 * the job restarts from its latest checkpoint. `{ deadLetter, attempts }` calls the function again
 * on the same record, immediately, until it has been called `attempts` times (default 3), and then
 * sends the record to `deadLetter` and goes on with the next one.
 */
export type ErrorPolicy = 'fail' | { readonly deadLetter: DeadLetterQueue; readonly attempts?: number };

/** Formats an error for {@link DeadLetter.error}. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
