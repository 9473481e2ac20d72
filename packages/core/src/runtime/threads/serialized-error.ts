import { CheckpointException, type CheckpointFailureReason } from '../../checkpoint/failure-reason.ts';
import { LeaseLostError } from '../../checkpoint/storage/job-lease.ts';
import { OperatorError } from '../errors.ts';

/**
 * An error as it crosses a thread: its name, message and stack, its cause, and what the errors
 * the job manager inspects carry (an operator failure's operator and subtask, a checkpoint
 * failure's reason), so that the error rebuilt on the other side is the same kind.
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly cause: SerializedError | null;
  readonly operator?: { readonly name: string; readonly uid: string; readonly subtask: number; readonly parallelism: number; readonly phase: string };
  readonly checkpointReason?: CheckpointFailureReason;
}

export function serializeError(e: unknown, depth = 0): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), stack: undefined, cause: null };
  const cause = depth < 6 && e.cause !== undefined ? serializeError(e.cause, depth + 1) : null;
  const out: SerializedError = { name: e.name, message: e.message, stack: e.stack, cause };
  if (e instanceof OperatorError) {
    return { ...out, operator: { name: e.operatorName, uid: e.operatorUid, subtask: e.subtaskIndex, parallelism: e.parallelism, phase: e.phase } };
  }
  if (e instanceof CheckpointException) return { ...out, checkpointReason: e.reason };
  return out;
}

export function deserializeError(s: SerializedError): Error {
  const cause = s.cause === null ? undefined : deserializeError(s.cause);
  let error: Error;
  if (s.operator !== undefined) {
    const o = s.operator;
    error = new OperatorError(o.name, o.uid, o.subtask, o.parallelism, cause ?? new Error(s.message), o.phase);
  } else if (s.checkpointReason !== undefined) {
    error = new CheckpointException(s.checkpointReason, { message: s.message, cause });
  } else if (s.name === 'LeaseLostError') {
    error = new LeaseLostError(s.message, { cause });
  } else {
    error = new Error(s.message, cause === undefined ? undefined : { cause });
    if (s.name !== 'Error') Object.defineProperty(error, 'name', { value: s.name });
  }
  if (s.stack !== undefined) error.stack = s.stack;
  return error;
}
