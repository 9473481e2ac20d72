import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { loadRestoredState } from '../../checkpoint/restore/restored-job-state.ts';
import type { ExecutionGraph } from '../../graph/execution-graph.ts';
import { ExecutionAttempt } from '../../jobmanager/execution-attempt.ts';
import type { CheckpointingSpec } from '../../jobmanager/job-run.ts';
import { LeaseLostError } from '../../checkpoint/storage/job-lease.ts';
import { ThreadTransport } from '../channel/thread/thread-transport.ts';
import { CheckpointBarrier } from '../events.ts';
import type { TaskBuildContext } from '../task-builder.ts';
import { deserializeError, serializeError } from './serialized-error.ts';
import type { AttemptMessage, FromTaskManager, TaskManagerData, ToTaskManager } from './thread-messages.ts';

/** `Omit` over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** How often a worker reports its subtasks' counters to the main thread. */
const COUNTERS_EVERY_MS = 250;
/** Uploads of checkpoint state a worker runs at once. */
const UPLOAD_CONCURRENCY = 4;

/** Whether this thread is a task manager that the main thread started for a job. */
export function isTaskManagerThread(): boolean {
  return taskManagerData() !== undefined;
}

/** What the main thread started this worker with, or undefined on the main thread. */
export function taskManagerData(): TaskManagerData | undefined {
  const data = (workerData as { weir?: TaskManagerData } | null | undefined)?.weir;
  return parentPort !== null && data !== undefined ? data : undefined;
}

/**
 * The worker-thread side of a job (Flink's TaskExecutor, reduced): the job file defined the job
 * here too, so the graph, its functions and its connectors are this thread's own. It tells the
 * main thread it is ready (with a fingerprint of the graph, to check that the job file defined the
 * same job), then runs the subtasks the main thread deploys to it as one {@link ExecutionAttempt},
 * and relays what the checkpoint protocol needs both ways: triggers and notices in, acknowledgements,
 * declines, ended readers and lease checks out. The thread serves one attempt after the other
 * (every message about an attempt names it) until the main thread shuts it down.
 */
export class TaskManager {
  readonly #port: MessagePort;
  #attempt: ExecutionAttempt | undefined;
  /** The number of the attempt deployed last: what this thread's messages about it carry. */
  #attemptId = 0;
  #running: Promise<void> = Promise.resolve();
  /** Messages for the tasks of the deployment being set up; `null` when none is. */
  #deploying: ToTaskManager[] | null = null;
  #leaseRequests = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #nextRequest = 0;

  constructor(
    readonly data: TaskManagerData,
    readonly graph: ExecutionGraph,
    readonly build: Omit<TaskBuildContext, 'transport' | 'checkpointing' | 'restored' | 'fencing' | 'retainedCheckpoints'>,
    readonly checkpointing: CheckpointingSpec | null,
    readonly logger: Logger,
  ) {
    this.#port = parentPort!;
  }

  /** Says it is ready and serves the main thread's messages until the attempt ends. */
  serve(): void {
    this.#port.on('message', (m: ToTaskManager) => this.#onMessage(m));
    this.#post({ type: 'ready', fingerprint: graphFingerprint(this.graph) });
  }

  #post(m: FromTaskManager): void {
    this.#port.postMessage(m);
  }

  /** Posts a message about the current attempt. */
  #say(m: DistributiveOmit<AttemptMessage, 'attempt'>, attempt = this.#attemptId): void {
    this.#port.postMessage({ ...m, attempt });
  }

  #onMessage(m: ToTaskManager): void {
    // While a deployment restores its state, what is said about its tasks waits for them.
    if (this.#deploying !== null && (m.type === 'trigger' || m.type === 'complete' || m.type === 'aborted' || m.type === 'end-input' || m.type === 'cancel')) {
      this.#deploying.push(m);
      return;
    }
    switch (m.type) {
      case 'deploy':
        this.#attemptId = m.attempt;
        this.#deploying = [];
        this.#running = this.#deploy(m).catch((e: unknown) => {
          this.#deploying = null;
          this.#say({ type: 'ended', status: 'failed', error: serializeError(e) }, m.attempt);
        });
        return;
      case 'shutdown':
        void this.#shutdown();
        return;
      case 'trigger':
        this.#attempt?.triggerSources(new CheckpointBarrier(m.checkpointId, m.timestamp, m.kind, m.location));
        return;
      case 'complete':
        this.#attempt?.notifyComplete(m.checkpointId);
        return;
      case 'aborted':
        this.#attempt?.notifyAborted(m.checkpointId);
        return;
      case 'end-input':
        this.#attempt?.endInput();
        return;
      case 'cancel':
        this.#attempt?.cancel();
        return;
      case 'lease-checked': {
        const waiter = this.#leaseRequests.get(m.request);
        this.#leaseRequests.delete(m.request);
        if (m.error === null) waiter?.resolve();
        else waiter?.reject(deserializeError(m.error));
        return;
      }
    }
  }

  async #deploy(m: Extract<ToTaskManager, { type: 'deploy' }>): Promise<void> {
    const mine = new Set(m.subtasks);
    const subtasks = this.graph.subtasks.filter((s) => mine.has(s.taskKey));
    const cp = this.checkpointing;
    const id = m.attempt;
    const restored =
      m.restore === null || cp === null
        ? null
        : await loadRestoredState(m.restore, cp.storage, this.graph, {
            allowNonRestoredState: m.allowNonRestoredState,
            logger: this.logger,
            only: mine,
            skipUnowned: true,
          });
    const transport = new ThreadTransport(new Map(Object.entries(m.ports)));
    const attempt = new ExecutionAttempt(
      this.graph,
      {
        ...this.build,
        restored,
        fencing: { epoch: m.epoch, checkLease: () => this.#checkLease() },
        retainedCheckpoints: cp?.config.retained ?? 1,
        checkpointing:
          cp === null
            ? null
            : {
                mode: cp.config.mode,
                services: {
                  storage: cp.storage,
                  uploads: new PQueue({ concurrency: UPLOAD_CONCURRENCY }),
                  responder: {
                    acknowledge: (checkpointId, taskKey, states, metrics) => this.#say({ type: 'acknowledge', checkpointId, taskKey, states, metrics }, id),
                    decline: (checkpointId, taskKey, reason, cause) =>
                      this.#say({ type: 'decline', checkpointId, taskKey, reason, cause: cause === undefined ? null : serializeError(cause) }, id),
                  },
                },
              },
      },
      this.logger,
      m.cancellationTimeoutMs,
      { subtasks, transport, thread: this.data.thread },
    );
    this.#attempt = attempt;
    const waiting = this.#deploying ?? [];
    this.#deploying = null;
    for (const early of waiting) this.#onMessage(early);
    attempt.onSourceEnded = () => this.#say({ type: 'source-ended' }, id);
    this.#say({ type: 'deployed' }, id);
    const counters = setInterval(() => this.#say({ type: 'counters', counters: attempt.subtaskCounters() }, id), COUNTERS_EVERY_MS);
    let status: 'finished' | 'cancelled' | 'failed' = 'failed';
    let error: unknown = null;
    try {
      status = await attempt.run();
    } catch (e) {
      error = e;
    } finally {
      clearInterval(counters);
      this.#say({ type: 'counters', counters: attempt.subtaskCounters() }, id);
      await attempt.closeSharedResources();
    }
    if (this.#attempt === attempt) this.#attempt = undefined;
    this.#say({ type: 'ended', status, error: error === null ? null : serializeError(error) }, id);
  }

  /**
   * The job run is over: stop what runs, close the checkpoint storage, and let the thread end on
   * its own once its output (stdout, logs) is out, rather than be terminated with some of it still
   * on its way.
   */
  async #shutdown(): Promise<void> {
    this.#attempt?.cancel();
    await this.#running;
    await this.checkpointing?.storage.close().catch(() => {});
    this.#port.unref();
  }

  /** Asks the main thread, which holds the job's lease, whether this run still owns the job. */
  #checkLease(): Promise<void> {
    const request = this.#nextRequest++;
    return new Promise<void>((resolve, reject) => {
      this.#leaseRequests.set(request, { resolve, reject: (e) => reject(e instanceof LeaseLostError ? e : new LeaseLostError(e.message, { cause: e })) });
      this.#say({ type: 'check-lease', request });
    });
  }
}

/**
 * What identifies a job's graph across threads: its tasks, their operators (uid, name, kind) and
 * parallelism, and its edges. A worker whose job file defined something else is refused.
 */
export function graphFingerprint(graph: ExecutionGraph): string {
  return JSON.stringify(
    graph.jobGraph.vertices.map((v) => [v.id, v.parallelism, v.nodes.map((n) => [n.uid, n.name, n.kind, n.maxParallelism]), v.inputs.map((e) => [e.source.id, e.partitioner.kind])]),
  );
}
