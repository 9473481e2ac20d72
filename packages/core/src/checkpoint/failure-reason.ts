/**
 * Why a checkpoint did not complete: the one list of reasons, each with the message that logs, stats
 * and errors print (Flink's `CheckpointFailureReason`). Every abort and decline carries one.
 */
const MESSAGES = {
  expired: 'Checkpoint expired before completing (timeout).',
  'declined-by-task': 'A task declined the checkpoint.',
  'subsumed-by-newer-barrier': 'A task received the barrier of a newer checkpoint before finishing this one.',
  subsumed: 'A newer checkpoint completed first; this one is no longer needed.',
  'task-failure': 'A task failed; the checkpoint cannot complete.',
  'storage-write-failed': 'Writing to checkpoint storage failed.',
  'snapshot-encode-failed': 'A task could not encode its state (a value that is not plain data, such as a Symbol or a cycle).',
  'finalize-failed': 'Writing the checkpoint metadata (or registering the completed checkpoint) failed.',
  'job-cancelled': 'The job was cancelled.',
  'too-many-concurrent': 'The maximum number of concurrent checkpoints is already in progress.',
  'coordinator-shutdown': 'The checkpoint coordinator is shutting down.',
  'source-not-ready': 'Not all sources are running yet; the checkpoint cannot be triggered.',
} as const satisfies Record<string, string>;

/** Why a checkpoint did not complete; see {@link failureMessage} for what each means. */
export type CheckpointFailureReason = keyof typeof MESSAGES;

/** Every failure reason, in declaration order. */
export const CHECKPOINT_FAILURE_REASONS = Object.keys(MESSAGES) as readonly CheckpointFailureReason[];

/** The human-readable message of a failure reason. */
export function failureMessage(reason: CheckpointFailureReason): string {
  return MESSAGES[reason];
}

/** A checkpoint failed (or could not be started) for `reason`; `message` defaults to the reason's message. */
export class CheckpointException extends Error {
  override readonly name = 'CheckpointException';
  readonly reason: CheckpointFailureReason;
  /** The checkpoint that failed, when one had been assigned an id. */
  readonly checkpointId: number | undefined;

  constructor(
    reason: CheckpointFailureReason,
    options: { readonly checkpointId?: number; readonly message?: string; readonly cause?: unknown } = {},
  ) {
    super(options.message ?? failureMessage(reason), options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.checkpointId = options.checkpointId;
  }
}
