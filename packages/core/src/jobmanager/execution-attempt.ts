import type { Logger } from 'pino';
import type { DeadLetterQueue } from '../connector/dead-letter.ts';
import type { ExecutionGraph, ExecutionVertex } from '../graph/execution-graph.ts';
import type { Transport } from '../runtime/channel/channel.ts';
import { LocalTransport } from '../runtime/channel/local-transport.ts';
import { CancelledError } from '../runtime/errors.ts';
import type { CheckpointBarrier } from '../runtime/events.ts';
import { buildTask, type DeployedTask, type TaskBuildContext } from '../runtime/task-builder.ts';
import { IntervalJoinOperator } from '../runtime/operators/interval-join-operator.ts';
import { SinkOperator } from '../runtime/operators/sink-operator.ts';
import { KeyedWindowOperator } from '../runtime/operators/window/keyed-window-operator.ts';
import { SourceTask } from '../runtime/tasks/source-task.ts';
import type { Deployment, SinkCommits, SubtaskCounters, ThreadLoad } from './deployment.ts';
import { ThreadLoadMeter } from './thread-load-meter.ts';

/** Where an attempt's tasks run, when not every subtask of the graph on a local transport. */
export interface AttemptPlacement {
  /** The subtasks this attempt runs (a worker thread's share); default every subtask of the graph. */
  readonly subtasks?: readonly ExecutionVertex[];
  /** Their channels; default one event loop's ({@link LocalTransport}). */
  readonly transport?: Transport & { close(): void };
  /** The thread, for counters: 0 the main thread, 1.. workers. */
  readonly thread?: number;
}

/**
 * One run of every subtask of a job, from deployment until all finish, one fails, or it is
 * cancelled. The first failure cancels every other task; the attempt then rejects with that
 * failure, never with the cancellations it caused.
 *
 * Cancelling never waits on I/O that may not return (a dead Redis, a stuck upload): tasks that
 * have not stopped `cancellationTimeoutMs` after the cancel are abandoned (logged with what they
 * were doing, their resources closed in the background), and the attempt ends anyway, so that a
 * failure always ends in a restart or a final failure. An abandoned task cannot do harm later: a
 * sink commit it may still attempt is fenced by the next attempt's epoch.
 */
export class ExecutionAttempt implements Deployment {
  readonly transport: Transport & { close(): void };
  readonly tasks: readonly DeployedTask[];
  readonly #sources: readonly SourceTask<unknown>[];
  readonly #thread: number;
  onSourceEnded: (() => void) | undefined;
  #failure: unknown = undefined;
  #cancelled = false;
  #cancelStarted: (() => void) | undefined;
  readonly #whenCancelling = new Promise<void>((resolve) => (this.#cancelStarted = resolve));
  /**
   * Called once, as soon as the attempt starts to stop (a task failed, or a cancel): the
   * coordinator aborts the checkpoints in progress then, not once every task has closed, so that
   * an acknowledgement a task sends while it is torn down (its writers closing) completes nothing.
   */
  onStopping: ((reason: 'task-failure' | 'job-cancelled') => void) | undefined;
  #stopping = false;

  constructor(
    readonly graph: ExecutionGraph,
    build: Omit<TaskBuildContext, 'transport'>,
    readonly logger: Logger,
    readonly cancellationTimeoutMs: number,
    placement: AttemptPlacement = {},
  ) {
    this.transport = placement.transport ?? new LocalTransport();
    this.#thread = placement.thread ?? 0;
    const ctx = { ...build, transport: this.transport };
    this.tasks = (placement.subtasks ?? graph.subtasks).map((s) => buildTask(s, ctx));
    this.#sources = this.tasks.map((t) => t.task).filter((t): t is SourceTask<unknown> => t instanceof SourceTask);
    for (const s of this.#sources) s.onReaderEnded = () => this.onSourceEnded?.();
  }

  get sourceCount(): number {
    return this.#sources.length;
  }

  triggerSources(barrier: CheckpointBarrier): void {
    for (const s of this.#sources) s.triggerCheckpoint(barrier);
  }

  notifyComplete(checkpointId: number): void {
    for (const { task } of this.tasks) task.notifyCheckpointComplete(checkpointId);
  }

  notifyAborted(checkpointId: number): void {
    for (const { task } of this.tasks) task.notifyCheckpointAborted(checkpointId);
  }

  endInput(): void {
    for (const s of this.#sources) s.endInput();
  }

  readonly #loads = new ThreadLoadMeter();
  /** The tasks are built in the constructor. */
  readonly deployed = Promise.resolve();

  threadLoads(): readonly ThreadLoad[] {
    return [this.#loads.read(this.#thread, (a, b) => performance.eventLoopUtilization(a, b))];
  }

  subtaskCounters(): readonly SubtaskCounters[] {
    return this.tasks.map((t) => countersOf(t, this.#thread));
  }

  /** Resolves 'finished' or 'cancelled'; rejects with the first task failure. */
  async run(): Promise<'finished' | 'cancelled'> {
    const running = new Set<DeployedTask>(this.tasks);
    const all = Promise.all(
      this.tasks.map(({ task }, i) =>
        task
          .invoke()
          .catch((e: unknown) => {
            if (e instanceof CancelledError) return;
            if (this.#failure === undefined) {
              this.#failure = e;
              this.logger.error({ task: task.info.taskKey, err: e }, 'task failed; cancelling the other tasks');
              this.#cancelAll();
            }
          })
          .finally(() => running.delete(this.tasks[i])),
      ),
    );
    const stopped = await Promise.race([all.then(() => true), this.#whenCancelling.then(() => this.#stoppedWithin(all))]);
    if (!stopped) this.#abandon([...running]);
    // Every task has ended: nothing more crosses the channels. A thread's ports would otherwise keep
    // its event loop alive after a finished run (what was posted before a close is still delivered).
    this.transport.close();
    if (this.#failure !== undefined) throw this.#failure;
    return this.#cancelled ? 'cancelled' : 'finished';
  }

  /** Fails the attempt from outside the tasks (e.g. too many failed checkpoints, a lost lease). */
  fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.logger.error({ err: error }, 'attempt failed; cancelling every task');
    this.#cancelAll();
  }

  /** Stops every task at its next step; `run()` then resolves 'cancelled'. */
  cancel(): void {
    this.#cancelled = true;
    this.#cancelAll();
  }

  /**
   * Closes what the job's subtasks share and the attempt does not own per task: the dead-letter
   * queues operators send to. A later attempt opens them again on first use.
   */
  async closeSharedResources(): Promise<void> {
    const queues = new Set<DeadLetterQueue>();
    for (const v of this.graph.jobGraph.vertices) {
      for (const n of v.nodes) if (n.onError !== 'fail') queues.add(n.onError.deadLetter);
    }
    await Promise.all(
      [...queues].map(async (q) => {
        try {
          await withTimeout(q.close?.(), this.cancellationTimeoutMs);
        } catch (err) {
          this.logger.warn({ err }, 'closing a dead-letter queue failed');
        }
      }),
    );
  }

  /** Whether the attempt has started to stop: what its tasks say about checkpoints no longer counts. */
  get stopping(): boolean {
    return this.#stopping;
  }

  #cancelAll(): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.onStopping?.(this.#failure === undefined ? 'job-cancelled' : 'task-failure');
    }
    for (const { task } of this.tasks) task.cancel();
    this.transport.close();
    this.#cancelStarted?.();
  }

  async #stoppedWithin(all: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.cancellationTimeoutMs)));
    try {
      return await Promise.race([all.then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #abandon(stuck: readonly DeployedTask[]): void {
    this.logger.error(
      { timeoutMs: this.cancellationTimeoutMs, tasks: stuck.map(({ task }) => `${task.info.taskKey} (${task.info.taskName}) ${task.phase}`) },
      `${stuck.length} task(s) did not stop within ${this.cancellationTimeoutMs} ms of the cancel; abandoning them and closing their resources`,
    );
    for (const { task } of stuck) {
      task.forceClose().catch((err: unknown) => this.logger.warn({ task: task.info.taskKey, err }, 'closing an abandoned task failed'));
    }
  }
}

async function withTimeout(work: Promise<void> | undefined, ms: number): Promise<void> {
  if (work === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** What status and metrics show of one subtask: read from fields its loop keeps, no work per record. */
function countersOf({ task, subtask, operators, sourceReader, counts }: DeployedTask, thread: number): SubtaskCounters {
  let sink: SinkCommits | undefined;
  let lateRecordsDropped = 0;
  for (const op of operators.values()) {
    if (op instanceof KeyedWindowOperator || op instanceof IntervalJoinOperator) lateRecordsDropped += op.lateRecordsDropped;
    if (!(op instanceof SinkOperator) || op.writer.notifyCheckpointComplete === undefined) continue;
    sink = {
      commits: (sink?.commits ?? 0) + op.commits,
      commitMs: (sink?.commitMs ?? 0) + op.commitMs,
      ...(op.lastCommitMs === undefined ? {} : { lastCommitMs: op.lastCommitMs }),
    };
  }
  const source = sourceReader?.metrics?.();
  return {
    taskKey: subtask.taskKey,
    vertexId: subtask.vertex.id,
    subtaskIndex: subtask.subtaskIndex,
    thread,
    recordsIn: task.recordsIn,
    recordsOut: task.recordsOut,
    busyMs: task.busyMs,
    backpressuredMs: task.backpressuredMs,
    inputFill: task.inputFill,
    outputFill: task.outputFill,
    deadLetters: counts.deadLetters,
    lateRecordsDropped,
    ...(source === undefined ? {} : { source }),
    ...(sink === undefined ? {} : { sink }),
  };
}
