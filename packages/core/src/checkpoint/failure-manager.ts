import type { CheckpointFailureReason } from './failure-reason.ts';

/**
 * Tolerable checkpoint failures (Flink's `CheckpointFailureManager`).
 *
 * The rule: count consecutive failed checkpoints; a completed checkpoint (or savepoint) resets the
 * count to 0; when the count exceeds `tolerableFailures` the job fails, and the count starts over.
 *
 * Only failures that say something about the job's health count:
 * - counted: `expired`, `declined-by-task`, `storage-write-failed`, `snapshot-encode-failed`,
 *   `finalize-failed`: a checkpoint
 *   that should have completed did not, and the next one may well fail the same way.
 * - not counted: `subsumed`, `subsumed-by-newer-barrier` (a newer checkpoint made this one
 *   unnecessary: progress, not failure); `task-failure` (the job is already failing over, and the
 *   restart strategy judges that); `job-cancelled`, `coordinator-shutdown` (the coordinator is
 *   going away on purpose); `too-many-concurrent`, `source-not-ready` (nothing was started).
 * - savepoint failures never count: the user who asked gets the error; the job is not at fault.
 */
export class CheckpointFailureManager {
  readonly #tolerableFailures: number;
  #consecutiveFailures = 0;

  constructor(tolerableFailures: number) {
    this.#tolerableFailures = tolerableFailures;
  }

  /** Consecutive counted failures since the last success (or since the job was last failed). */
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** Records a failed checkpoint; `'fail-job'` when it is one more than can be tolerated. */
  onFailure(reason: CheckpointFailureReason, kind: 'checkpoint' | 'savepoint' = 'checkpoint'): 'tolerate' | 'fail-job' {
    if (kind === 'savepoint' || !countsAsFailure(reason)) return 'tolerate';
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures <= this.#tolerableFailures) return 'tolerate';
    this.#consecutiveFailures = 0;
    return 'fail-job';
  }

  /** Records a completed checkpoint or savepoint: the failures before it were not consecutive after all. */
  onSuccess(): void {
    this.#consecutiveFailures = 0;
  }
}

/** Whether a failure with this reason counts against `tolerableFailures` (see {@link CheckpointFailureManager}). */
export function countsAsFailure(reason: CheckpointFailureReason): boolean {
  return COUNTED.has(reason);
}

const COUNTED: ReadonlySet<CheckpointFailureReason> = new Set<CheckpointFailureReason>([
  'expired',
  'declined-by-task',
  'storage-write-failed',
  'snapshot-encode-failed',
  'finalize-failed',
]);
