/**
 * A user function (or a connector) failed inside an operator. The message names the operator,
 * its uid and the subtask, so a job's failure says where to look; `cause` is the original error.
 */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    readonly operatorName: string,
    readonly operatorUid: string,
    readonly subtaskIndex: number,
    readonly parallelism: number,
    cause: unknown,
    readonly phase: string = 'processElement',
  ) {
    super(
      `operator '${operatorName}' (uid '${operatorUid}') subtask ${subtaskIndex + 1}/${parallelism} failed in ${phase}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}

/** Identifies an operator subtask in errors and logs. */
export interface OperatorIdentity {
  readonly operatorName: string;
  readonly operatorUid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/**
 * Wraps an error thrown by a user function. Errors already wrapped by a downstream operator (a
 * chained call that failed further along) pass through untouched, so the name is the one that threw.
 */
export function operatorFailure(id: OperatorIdentity, cause: unknown, phase?: string): OperatorError {
  if (cause instanceof OperatorError) return cause;
  return new OperatorError(id.operatorName, id.operatorUid, id.subtaskIndex, id.parallelism, cause, phase);
}

/** The job was cancelled while a task waited; not a failure of its own. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('job cancelled');
  }
}
