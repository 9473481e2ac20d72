/** How a job run ended. */
export interface JobExecutionResult {
  readonly jobName: string;
  readonly status: 'finished' | 'cancelled';
  readonly durationMs: number;
  /** Restarts from a checkpoint during this run. */
  readonly restarts: number;
}

/** The job failed for good; `cause` is the error that failed its last attempt. */
export class JobExecutionError extends Error {
  override readonly name = 'JobExecutionError';
  constructor(
    readonly jobName: string,
    cause: unknown,
  ) {
    super(`job '${jobName}' failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
