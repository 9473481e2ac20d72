import type { CheckpointFailureReason } from './failure-reason.ts';
import type { CheckpointLocation } from './storage/checkpoint-storage.ts';
import type { OperatorState, OperatorSubtaskState, SubtaskCheckpointMetrics } from './types.ts';

/**
 * A checkpoint that has been triggered and is collecting acknowledgements (Flink's
 * `PendingCheckpoint`). It knows the subtasks it waits for, by task key `<vertexId>#<subtaskIndex>`,
 * and holds the state handles each one acknowledged.
 *
 * Lifecycle, one way only:
 *
 * ```
 * pending ──(every task acknowledged, beginFinalize)──> finalizing ──(markCompleted)──> completed
 *    │                                                      │
 *    └──(abort: expired, declined, subsumed, shutdown…)──> discarded <──(failFinalize)──┘
 * ```
 *
 * Once finalizing, only the storage outcome decides: a timeout or decline can no longer abort it,
 * so metadata is never written for a checkpoint that was already reported aborted. Pure state: the
 * coordinator discards the location and tells the tasks.
 */
export class PendingCheckpoint {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** Clock time of the trigger, ms. */
  readonly triggeredAt: number;
  readonly location: CheckpointLocation;
  #status: PendingCheckpointStatus = 'pending';
  #failureReason: CheckpointFailureReason | undefined;
  readonly #notYetAcknowledged: Set<string>;
  readonly #acknowledged = new Map<string, SubtaskAcknowledgement>();

  constructor(init: PendingCheckpointInit) {
    this.checkpointId = init.checkpointId;
    this.kind = init.kind;
    this.triggeredAt = init.triggeredAt;
    this.location = init.location;
    this.#notYetAcknowledged = new Set(init.taskKeys);
  }

  get status(): PendingCheckpointStatus {
    return this.#status;
  }
  /** Why it was discarded; undefined unless discarded. */
  get failureReason(): CheckpointFailureReason | undefined {
    return this.#failureReason;
  }
  get isDiscarded(): boolean {
    return this.#status === 'discarded';
  }
  get isFullyAcknowledged(): boolean {
    return this.#notYetAcknowledged.size === 0;
  }
  /** The acknowledgements received so far, in arrival order. */
  get acknowledgements(): readonly SubtaskAcknowledgement[] {
    return [...this.#acknowledged.values()];
  }

  /** Whether `taskKey` is one of the subtasks this checkpoint waits (or waited) for. */
  includesTask(taskKey: string): boolean {
    return this.#notYetAcknowledged.has(taskKey) || this.#acknowledged.has(taskKey);
  }

  /** A subsequent completed checkpoint makes this one unnecessary: true for checkpoints still collecting acks. */
  get canBeSubsumed(): boolean {
    return this.kind === 'checkpoint' && this.#status === 'pending';
  }

  /**
   * Records a subtask's acknowledgement: `'discarded'` once aborted, `'duplicate'` when `taskKey`
   * acknowledged already, `'unknown'` when this checkpoint does not wait for `taskKey`.
   */
  acknowledge(
    taskKey: string,
    states: Readonly<Record<string, OperatorSubtaskState>>,
    metrics: SubtaskCheckpointMetrics,
  ): AcknowledgeResult {
    if (this.#status === 'discarded') return 'discarded';
    if (this.#acknowledged.has(taskKey)) return 'duplicate';
    if (!this.#notYetAcknowledged.delete(taskKey)) return 'unknown';
    this.#acknowledged.set(taskKey, { taskKey, states, metrics });
    return 'ok';
  }

  /** pending → finalizing, when every task acknowledged; false otherwise. */
  beginFinalize(): boolean {
    if (this.#status !== 'pending' || !this.isFullyAcknowledged) return false;
    this.#status = 'finalizing';
    return true;
  }

  /** finalizing → completed, once metadata is durable and the checkpoint registered; false otherwise. */
  markCompleted(): boolean {
    if (this.#status !== 'finalizing') return false;
    this.#status = 'completed';
    return true;
  }

  /** pending → discarded; false (nothing changes) when already finalizing, completed or discarded. */
  abort(reason: CheckpointFailureReason): boolean {
    if (this.#status !== 'pending') return false;
    this.#status = 'discarded';
    this.#failureReason = reason;
    return true;
  }

  /** finalizing → discarded, when writing the metadata or registering the checkpoint failed. */
  failFinalize(): boolean {
    if (this.#status !== 'finalizing') return false;
    this.#status = 'discarded';
    this.#failureReason = 'finalize-failed';
    return true;
  }

  /**
   * The acknowledged handles grouped per operator, in the order of `operators`: every operator is
   * listed, with `null` for subtasks that reported no state.
   *
   * @throws Error when a task reported state for an operator not in `operators`, for a subtask
   *   index outside its parallelism, or twice for the same subtask
   */
  toOperatorStates(operators: readonly OperatorDescriptor[]): OperatorState[] {
    const subtasksByUid = new Map(operators.map((op) => [op.uid, new Array<OperatorSubtaskState | null>(op.parallelism).fill(null)]));
    for (const { taskKey, states } of this.#acknowledged.values()) {
      const { subtaskIndex } = parseTaskKey(taskKey);
      for (const [uid, state] of Object.entries(states)) {
        const subtasks = subtasksByUid.get(uid);
        if (subtasks === undefined) throw new Error(`task ${taskKey} acknowledged state for unknown operator '${uid}'`);
        if (subtaskIndex >= subtasks.length) {
          throw new Error(`task ${taskKey} is outside the parallelism ${subtasks.length} of operator '${uid}'`);
        }
        if (subtasks[subtaskIndex] !== null) throw new Error(`operator '${uid}' subtask ${subtaskIndex} acknowledged twice`);
        subtasks[subtaskIndex] = state;
      }
    }
    return operators.map((op) => ({ ...pickDescriptor(op), subtasks: subtasksByUid.get(op.uid) ?? [] }));
  }
}

/** Where a pending checkpoint is in its lifecycle. */
export type PendingCheckpointStatus = 'pending' | 'finalizing' | 'completed' | 'discarded';

/** Outcome of {@link PendingCheckpoint.acknowledge} (Flink's `TaskAcknowledgeResult`). */
export type AcknowledgeResult = 'ok' | 'duplicate' | 'unknown' | 'discarded';

/** What a new pending checkpoint needs. */
export interface PendingCheckpointInit {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly triggeredAt: number;
  readonly location: CheckpointLocation;
  /** Task keys `<vertexId>#<subtaskIndex>` of every subtask that must acknowledge. */
  readonly taskKeys: Iterable<string>;
}

/** One subtask's acknowledgement: its state per operator uid, and its timings. */
export interface SubtaskAcknowledgement {
  readonly taskKey: string;
  readonly states: Readonly<Record<string, OperatorSubtaskState>>;
  readonly metrics: SubtaskCheckpointMetrics;
}

/** An operator as a checkpoint names it: matched by `uid` on restore. */
export interface OperatorDescriptor {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
}

/** The task key of a subtask: `<vertexId>#<subtaskIndex>`. */
export function formatTaskKey(vertexId: string, subtaskIndex: number): string {
  return `${vertexId}#${subtaskIndex}`;
}

/**
 * Splits a task key at its last `#`.
 *
 * @throws Error when the key has no `#` or its index is not a non-negative integer
 */
export function parseTaskKey(taskKey: string): { vertexId: string; subtaskIndex: number } {
  const at = taskKey.lastIndexOf('#');
  const subtaskIndex = Number(taskKey.slice(at + 1));
  if (at < 0 || at === taskKey.length - 1 || !Number.isInteger(subtaskIndex) || subtaskIndex < 0) {
    throw new Error(`malformed task key '${taskKey}', expected '<vertexId>#<subtaskIndex>'`);
  }
  return { vertexId: taskKey.slice(0, at), subtaskIndex };
}

function pickDescriptor(op: OperatorDescriptor): OperatorDescriptor {
  return { uid: op.uid, name: op.name, parallelism: op.parallelism, maxParallelism: op.maxParallelism };
}
