import type { CheckpointFailureReason } from './failure-reason.ts';
import type { SubtaskCheckpointMetrics } from './types.ts';

/**
 * Checkpoint statistics: the last `historySize` checkpoints (in progress, completed or failed),
 * counts since the tracker was made, and the latest completed checkpoint even once it has left the
 * history. Pure bookkeeping, no I/O and no clock: callers pass times in. `snapshot()` is plain
 * JSON-able data, so it can be persisted beside the checkpoints and shown by the CLI.
 */
export class CheckpointStatsTracker {
  readonly #historySize: number;
  /** Oldest first; at most `historySize` entries. */
  readonly #history: MutableStats[] = [];
  readonly #inProgress = new Set<number>();
  #completed = 0;
  #failed = 0;
  #latestCompleted: CheckpointStats | null = null;

  constructor(historySize = 10) {
    if (!Number.isInteger(historySize) || historySize < 1) throw new RangeError(`historySize must be a positive integer, got ${historySize}`);
    this.#historySize = historySize;
  }

  /** A checkpoint was triggered at `triggeredAt`. */
  reportTriggered(checkpointId: number, kind: 'checkpoint' | 'savepoint', triggeredAt: number): void {
    this.#inProgress.add(checkpointId);
    this.#history.push({ checkpointId, kind, status: 'in-progress', triggeredAt, durationMs: 0, stateSize: 0, subtasks: [] });
    if (this.#history.length > this.#historySize) this.#history.shift();
  }

  /** A subtask acknowledged at `at`; the duration of an in-progress checkpoint runs to its latest ack. */
  reportAcknowledged(checkpointId: number, taskKey: string, metrics: SubtaskCheckpointMetrics, at: number): void {
    const entry = this.#find(checkpointId);
    if (entry === undefined || entry.status !== 'in-progress') return;
    entry.subtasks.push({ taskKey, ...pickMetrics(metrics) });
    entry.stateSize += metrics.stateSize;
    entry.durationMs = Math.max(0, at - entry.triggeredAt);
  }

  /** A checkpoint completed at `completedAt`. */
  reportCompleted(checkpointId: number, completedAt: number): void {
    if (!this.#inProgress.delete(checkpointId)) return;
    this.#completed += 1;
    const entry = this.#find(checkpointId);
    if (entry === undefined) return;
    entry.status = 'completed';
    entry.durationMs = Math.max(0, completedAt - entry.triggeredAt);
    this.#latestCompleted = copy(entry);
  }

  /** A checkpoint failed (aborted) at `failedAt` for `reason`. */
  reportFailed(checkpointId: number, failedAt: number, reason: CheckpointFailureReason): void {
    if (!this.#inProgress.delete(checkpointId)) return;
    this.#failed += 1;
    const entry = this.#find(checkpointId);
    if (entry === undefined) return;
    entry.status = 'failed';
    entry.failureReason = reason;
    entry.durationMs = Math.max(0, failedAt - entry.triggeredAt);
  }

  /** A copy of everything tracked, newest checkpoint first. */
  snapshot(): CheckpointStatsSnapshot {
    return {
      counts: { completed: this.#completed, failed: this.#failed, inProgress: this.#inProgress.size },
      latestCompleted: this.#latestCompleted === null ? null : copy(this.#latestCompleted),
      history: this.#history.map(copy).reverse(),
    };
  }

  #find(checkpointId: number): MutableStats | undefined {
    return this.#history.find((entry) => entry.checkpointId === checkpointId);
  }
}

/** Statistics of one checkpoint. */
export interface CheckpointStats {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly status: 'in-progress' | 'completed' | 'failed';
  readonly triggeredAt: number;
  /** Trigger to completion or failure; while in progress, trigger to the latest acknowledgement. */
  readonly durationMs: number;
  /** Sum of the acknowledged subtasks' state sizes, bytes. */
  readonly stateSize: number;
  readonly failureReason?: CheckpointFailureReason;
  /** One entry per acknowledged subtask, in arrival order. */
  readonly subtasks: readonly SubtaskStats[];
}

/** Statistics of one subtask's part of a checkpoint. */
export interface SubtaskStats {
  readonly taskKey: string;
  /** First barrier to last barrier of the checkpoint at this subtask's inputs. */
  readonly alignmentMs: number;
  /**
   * Time the snapshot took on the record path: the work at the barrier, plus key groups encoded
   * just before a record touched them (copy on access).
   */
  readonly syncMs: number;
  /** The background part, from when the upload queue starts it to the acknowledgement: encoding the rest, and writing. */
  readonly asyncMs: number;
  readonly stateSize: number;
}

/** What {@link CheckpointStatsTracker.snapshot} returns: plain data. */
export interface CheckpointStatsSnapshot {
  readonly counts: { readonly completed: number; readonly failed: number; readonly inProgress: number };
  readonly latestCompleted: CheckpointStats | null;
  /** Newest first. */
  readonly history: readonly CheckpointStats[];
}

type MutableStats = {
  -readonly [K in keyof CheckpointStats]: K extends 'subtasks' ? SubtaskStats[] : CheckpointStats[K];
};

function copy(entry: CheckpointStats): MutableStats {
  return { ...entry, subtasks: entry.subtasks.map((subtask) => ({ ...subtask })) };
}

function pickMetrics(metrics: SubtaskCheckpointMetrics): Omit<SubtaskStats, 'taskKey'> {
  return { alignmentMs: metrics.alignmentMs, syncMs: metrics.syncMs, asyncMs: metrics.asyncMs, stateSize: metrics.stateSize };
}
