import { OperatorError } from '../runtime/errors.ts';

/** One failure of a job attempt, as `weir status` and `GET /job` show it (Flink's exception history). */
export interface JobFailure {
  /** Epoch milliseconds. */
  readonly time: number;
  readonly message: string;
  /** The operator that failed, when a task did. */
  readonly operator?: string;
  readonly operatorUid?: string;
  /** 0-based subtask index. */
  readonly subtask?: number;
  /** What the operator was doing: `processElement`, `open`, `snapshotState`, … */
  readonly phase?: string;
}

/** How many failures are kept: the newest ones. */
const KEPT = 10;

/** The last failures of a job, newest first, for monitoring. */
export class FailureHistory {
  readonly #entries: JobFailure[] = [];

  record(error: Error, time: number): void {
    const op = findOperatorError(error);
    this.#entries.unshift({
      time,
      message: error.message,
      ...(op === undefined
        ? {}
        : { operator: op.operatorName, operatorUid: op.operatorUid, subtask: op.subtaskIndex, phase: op.phase }),
    });
    this.#entries.length = Math.min(this.#entries.length, KEPT);
  }

  last(): JobFailure | undefined {
    return this.#entries[0];
  }

  all(): readonly JobFailure[] {
    return [...this.#entries];
  }
}

function findOperatorError(e: unknown): OperatorError | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    if (c instanceof OperatorError) return c;
  }
  return undefined;
}
