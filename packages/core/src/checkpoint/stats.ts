import type { CheckpointFailureReason } from './failure-reason.ts';
import type { SubtaskCheckpointMetrics } from './types.ts';

/**
 * Checkpoint statistics: the last `historySize` checkpoints (in progress, completed or failed),
 * counts since the tracker was made, and the latest completed checkpoint even once it has left the
 * history. Pure bookkeeping, no I/O and no clock: callers pass times in. `snapshot()` is plain
 * JSON-able data; every checkpoint that ends is also handed to the {@link onEnded} listeners (the
 * persisted history, `checkpoint-history.ts`, is one).
 */
export class CheckpointStatsTracker {
  readonly #historySize: number;
  /** Oldest first; at most `historySize` entries. */
  readonly #history: MutableStats[] = [];
  /** Checkpoints in progress, also once they left `#history` (many triggered, few ending). */
  readonly #inProgress = new Map<number, MutableStats>();
  readonly #listeners = new Set<(ended: CheckpointStats) => void>();
  #completed = 0;
  #failed = 0;
  #latestCompleted: CheckpointStats | null = null;

  constructor(historySize = 10) {
    if (!Number.isInteger(historySize) || historySize < 1) throw new RangeError(`historySize must be a positive integer, got ${historySize}`);
    this.#historySize = historySize;
  }

  /** A checkpoint was triggered at `triggeredAt`. */
  reportTriggered(checkpointId: number, kind: 'checkpoint' | 'savepoint', triggeredAt: number): void {
    const entry: MutableStats = { checkpointId, kind, status: 'in-progress', triggeredAt, durationMs: 0, stateSize: 0, subtasks: [] };
    this.#inProgress.set(checkpointId, entry);
    this.#history.push(entry);
    if (this.#history.length > this.#historySize) this.#history.shift();
  }

  /** A subtask acknowledged at `at`; the duration of an in-progress checkpoint runs to its latest ack. */
  reportAcknowledged(checkpointId: number, taskKey: string, metrics: SubtaskCheckpointMetrics, at: number): void {
    const entry = this.#inProgress.get(checkpointId);
    if (entry === undefined) return;
    const ackDelayMs = Math.max(0, at - entry.triggeredAt);
    entry.subtasks.push({ taskKey, ...pickMetrics(metrics), ackDelayMs });
    entry.stateSize += metrics.stateSize;
    entry.durationMs = ackDelayMs;
  }

  /** A checkpoint completed at `completedAt`. */
  reportCompleted(checkpointId: number, completedAt: number): void {
    const entry = this.#inProgress.get(checkpointId);
    if (entry === undefined) return;
    this.#inProgress.delete(checkpointId);
    this.#completed += 1;
    entry.status = 'completed';
    entry.durationMs = Math.max(0, completedAt - entry.triggeredAt);
    this.#latestCompleted = copy(entry);
    this.#emitEnded(entry);
  }

  /** A checkpoint failed (aborted) at `failedAt` for `reason`. */
  reportFailed(checkpointId: number, failedAt: number, reason: CheckpointFailureReason): void {
    const entry = this.#inProgress.get(checkpointId);
    if (entry === undefined) return;
    this.#inProgress.delete(checkpointId);
    this.#failed += 1;
    entry.status = 'failed';
    entry.failureReason = reason;
    entry.durationMs = Math.max(0, failedAt - entry.triggeredAt);
    this.#emitEnded(entry);
  }

  /**
   * Calls `listener` with a copy of every checkpoint that ends (completed or failed), synchronously,
   * on the coordinator's path: a listener only records and returns (its errors are swallowed).
   * Returns the function that removes it.
   */
  onEnded(listener: (ended: CheckpointStats) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #emitEnded(entry: MutableStats): void {
    for (const listener of this.#listeners) {
      try {
        listener(copy(entry));
      } catch {
        // Statistics must never fail a checkpoint.
      }
    }
  }

  /** A copy of everything tracked, newest checkpoint first. */
  snapshot(): CheckpointStatsSnapshot {
    return {
      counts: { completed: this.#completed, failed: this.#failed, inProgress: this.#inProgress.size },
      latestCompleted: this.#latestCompleted === null ? null : copy(this.#latestCompleted),
      history: this.#history.map(copy).reverse(),
    };
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
  /** Trigger to this subtask's acknowledgement at the coordinator: the largest is the subtask that held the checkpoint up. */
  readonly ackDelayMs: number;
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

function pickMetrics(metrics: SubtaskCheckpointMetrics): Omit<SubtaskStats, 'taskKey' | 'ackDelayMs'> {
  return { alignmentMs: metrics.alignmentMs, syncMs: metrics.syncMs, asyncMs: metrics.asyncMs, stateSize: metrics.stateSize };
}
