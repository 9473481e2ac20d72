import { hostname } from 'node:os';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { CheckpointConfig } from '../checkpoint/checkpoint-config.ts';
import type { CheckpointIdCounter } from '../checkpoint/checkpoint-id-counter.ts';
import { CheckpointCoordinator } from '../checkpoint/coordinator.ts';
import type { DefaultCompletedCheckpointStore } from '../checkpoint/default-completed-checkpoint-store.ts';
import { CheckpointStatsTracker } from '../checkpoint/stats.ts';
import { CheckpointHistory } from '../checkpoint/checkpoint-history.ts';
import { persistCheckpointHistory, type CheckpointHistoryWriter } from '../checkpoint/checkpoint-history-writer.ts';
import type { CheckpointStorage } from '../checkpoint/storage/checkpoint-storage.ts';
import { LeaseLostError, localLease, type JobLease } from '../checkpoint/storage/job-lease.ts';
import { RestoreError } from '../checkpoint/restore/restored-job-state.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { RestoredState, TaskBuildContext } from '../runtime/task-builder.ts';
import { usefulWorkers } from '../runtime/threads/placement.ts';
import type { CompletedCheckpoint } from '../checkpoint/completed-checkpoint.ts';
import type { Deployment } from './deployment.ts';
import { ThreadedAttempt } from './threaded-attempt.ts';
import { EXIT_WAIT_MS, WorkerPool, WorkerStartError, type WorkerEntry } from '../runtime/threads/worker-pool.ts';
import { graphFingerprint } from '../runtime/threads/task-manager.ts';
import { builtWeir } from '../runtime/threads/worker-bootstrap.ts';
import { AttemptGateway } from './attempt-gateway.ts';
import { recoverCheckpoints, restoreLatest } from './checkpoint-recovery.ts';
import { ExecutionAttempt } from './execution-attempt.ts';
import { FailureHistory } from './failure-history.ts';
import type { JobState, JobStatus } from './job-status.ts';
import type { RestartStrategy } from './restart/restart-strategy.ts';

/** How a job checkpoints, resolved. */
export interface CheckpointingSpec {
  readonly config: CheckpointConfig;
  readonly storage: CheckpointStorage;
  /** Restore from this checkpoint or savepoint (a pointer) instead of the latest one. */
  readonly fromCheckpoint: string | undefined;
  readonly allowNonRestoredState: boolean;
  /** Delete earlier checkpoints of the job and start from scratch. */
  readonly fresh: boolean;
}

/** The checkpoint an attempt restores, and its state loaded for this graph. */
interface Restored {
  readonly checkpoint: CompletedCheckpoint;
  readonly state: RestoredState;
}

/** Concurrent snapshot uploads of one job. */
const UPLOAD_CONCURRENCY = 4;

/**
 * One job from submission to its end (Flink's JobMaster, reduced): takes the job's lease (one
 * owner per job), restores from the latest complete checkpoint, runs an execution attempt with its
 * checkpoint coordinator, and on failure restarts the whole job from the latest checkpoint as the
 * restart strategy allows. A run that loses its lease stops for good: another run owns the job.
 */
export class JobRun {
  readonly stats = new CheckpointStatsTracker();
  readonly failures = new FailureHistory();
  /** Checkpoints, failures and runs across runs of the job, persisted beside its checkpoints. */
  readonly history: CheckpointHistory;
  #historyWriter: CheckpointHistoryWriter | undefined;
  #attempt: Deployment | undefined;
  #coordinator: CheckpointCoordinator | undefined;
  #cancelled = false;
  #wakeBackoff: (() => void) | undefined;
  /** The worker threads of this run, when its subtasks run on threads. */
  readonly #pool: WorkerPool | undefined;
  #attempts = 0;
  /** Savepoint requests waiting for a coordinator (the job is starting or restarting). */
  #coordinatorWaiters: (() => void)[] = [];
  #started!: () => void;
  #startFailed!: (e: unknown) => void;
  /** Resolves once the job holds its lease (no other run of it is running); rejects if it never gets it. */
  readonly started = new Promise<void>((resolve, reject) => {
    this.#started = resolve;
    this.#startFailed = reject;
  });
  restarts = 0;
  state: JobState = 'initializing';
  readonly startedAt = Date.now();

  constructor(
    readonly graph: ExecutionGraph,
    readonly build: Omit<TaskBuildContext, 'transport' | 'checkpointing' | 'restored' | 'fencing' | 'retainedCheckpoints'>,
    readonly checkpointing: CheckpointingSpec | null,
    readonly restartStrategy: RestartStrategy,
    readonly logger: Logger,
    /** How long a cancelled or failed attempt's tasks get to stop before they are abandoned. */
    readonly cancellationTimeoutMs: number,
    /** Worker threads to spread the subtasks over; `null`: every subtask on this thread. */
    readonly workers: { readonly count: number; readonly entry: WorkerEntry } | null = null,
  ) {
    this.started.catch(() => {}); // observed through run()
    const threads = workers === null ? 1 : usefulWorkers(graph.subtasks, workers.count);
    this.#pool =
      workers === null || threads < 2
        ? undefined
        : new WorkerPool(threads, workers.entry, graphFingerprint(graph), { jobName: graph.jobName, logLevel: logger.level }, logger);
    this.history = new CheckpointHistory(graph.jobName);
    this.stats.onEnded((ended) => this.history.recordCheckpoint(ended));
  }

  async run(): Promise<'finished' | 'cancelled'> {
    try {
      this.state = await this.#run();
      return this.state;
    } catch (e) {
      this.state = 'failed';
      this.#startFailed(e);
      throw e;
    } finally {
      this.#wakeCoordinatorWaiters();
    }
  }

  #wakeCoordinatorWaiters(): void {
    for (const wake of this.#coordinatorWaiters.splice(0)) wake();
  }

  /** State, restarts, failures and per-task record counts of the current attempt. */
  status(): JobStatus {
    const counters = this.#attempt?.subtaskCounters() ?? [];
    return {
      jobName: this.graph.jobName,
      state: this.state,
      startedAt: this.startedAt,
      restarts: this.restarts,
      lastFailure: this.failures.last(),
      exceptions: this.failures.all(),
      vertices: this.graph.jobGraph.vertices.map((v) => {
        let recordsIn = 0;
        let recordsOut = 0;
        for (const c of counters) {
          if (c.vertexId !== v.id) continue;
          recordsIn += c.recordsIn;
          recordsOut += c.recordsOut;
        }
        const inputs = v.inputs.map((e) => e.source.id);
        const subtasks = counters
          .filter((c) => c.vertexId === v.id)
          .map(({ taskKey: _k, vertexId: _v, subtaskIndex, ...figures }) => ({ index: subtaskIndex, ...figures }));
        return { id: v.id, name: v.name, parallelism: v.parallelism, inputs, recordsIn, recordsOut, subtasks };
      }),
      threads: this.#attempt?.threadLoads() ?? [],
    };
  }

  async #run(): Promise<'finished' | 'cancelled'> {
    const cp = this.checkpointing;
    const holder = { pid: process.pid, host: hostname(), since: Date.now() };
    let lease: JobLease | undefined;
    let outcome: 'finished' | 'cancelled' | 'failed' = 'failed';
    try {
      const held = cp?.storage.acquireLease === undefined ? localLease(holder) : await cp.storage.acquireLease(holder);
      lease = held;
      this.#started();
      // The threads load the job file while this thread restores.
      if (this.#pool !== undefined) {
        this.#pool.start();
        const fields = { threads: this.#pool.size, subtasks: this.graph.subtasks.length, preload: builtWeir() };
        this.logger.info(fields, `running the subtasks on ${this.#pool.size} worker threads`);
      }
      this.#historyWriter = await this.#openHistory(cp, held);
      // On worker threads each thread decodes its own subtasks' keyed state: this thread decodes
      // none, and reads every handle only to verify it, so that a damaged checkpoint is still passed
      // over (for an older one) before the threads are deployed.
      const only = this.#pool === undefined ? undefined : new Set<string>();
      const recovered = cp === null ? undefined : await recoverCheckpoints(cp, this.graph, this.logger, only);
      let explicit = recovered?.explicit;
      for (;;) {
        try {
          // Inside the retried block: storage that is down at a restart (a Redis coming back) is
          // one more failure for the restart strategy, not the end of the job.
          let restored: Restored | null = null;
          if (cp !== null && recovered !== undefined) {
            restored = explicit ?? (await restoreLatest(recovered.store.all(), cp.storage, this.graph, { ...cp, logger: this.logger, only })) ?? null;
            explicit = undefined;
          }
          if (this.#cancelled) return (outcome = 'cancelled');
          const epoch = await held.advance();
          this.state = 'running';
          this.history.recordAttemptStart(restored?.checkpoint.checkpointId ?? null);
          return (outcome = await this.#runAttempt(restored, recovered, held, epoch));
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          this.failures.record(error, Date.now());
          this.history.recordFailure(this.failures.last()!);
          // Another run owns the job, the checkpoint cannot fit the job, or a thread cannot load it: a restart changes none.
          if (causedBy(e, LeaseLostError) || causedBy(e, RestoreError) || causedBy(e, WorkerStartError)) throw e;
          this.restartStrategy.notifyFailure(error, Date.now());
          if (this.#cancelled || !this.restartStrategy.canRestart()) throw e;
          const delay = this.restartStrategy.backoffMs();
          this.restarts++;
          this.state = 'restarting';
          this.logger.warn({ err: e, restarts: this.restarts, delayMs: delay, strategy: this.restartStrategy.description }, 'job failed; restarting from the latest checkpoint');
          await this.#backoff(delay);
        }
      }
    } finally {
      await this.#closeHistory(outcome);
      const terminated = (await this.#pool?.shutdown()) ?? [];
      if (terminated.length > 0) {
        this.logger.warn({ threads: terminated }, `worker thread(s) ${terminated.join(', ')} did not exit within ${EXIT_WAIT_MS / 1000} s of the shutdown; terminated`);
      }
      await lease?.release().catch((e: unknown) => this.logger.warn({ err: e }, 'releasing the job lease failed'));
      // Every connection the job opened closes with it, the checkpoint storage's too.
      await cp?.storage.close().catch((e: unknown) => this.logger.warn({ err: e }, 'closing the checkpoint storage failed'));
    }
  }

  /** Loads the persisted history (when the storage keeps job records) and starts this run's entry. */
  async #openHistory(cp: CheckpointingSpec | null, lease: JobLease): Promise<CheckpointHistoryWriter | undefined> {
    const writer = cp === null ? undefined : await persistCheckpointHistory(this.history, cp.storage, { logger: this.logger, checkLease: () => lease.check() });
    const tasks = Object.fromEntries(this.graph.jobGraph.vertices.map((v) => [v.id, { name: v.name, parallelism: v.parallelism }]));
    const taskKeys = this.graph.subtasks.map((s) => s.taskKey);
    this.history.startRun({ pid: process.pid, host: hostname(), startedAt: this.startedAt, tasks, taskKeys, fresh: cp?.fresh ?? false, fromCheckpoint: cp?.fromCheckpoint });
    return writer;
  }

  /** Records how the run ended and writes the history a last time (bounded: storage may be gone). */
  async #closeHistory(outcome: 'finished' | 'cancelled' | 'failed'): Promise<void> {
    this.history.endRun(outcome, Date.now());
    await this.#historyWriter?.close(this.cancellationTimeoutMs);
  }

  /**
   * Writes a savepoint below `dir`; resolves with its pointer. While the job is starting or
   * restarting, waits until it runs; rejects once it has ended.
   */
  async triggerSavepoint(dir: string): Promise<string> {
    if (this.checkpointing === null) throw new Error('savepoints need checkpointing: call enableCheckpointing(...) on the environment');
    while (this.#coordinator === undefined) {
      if (this.state === 'finished' || this.state === 'cancelled' || this.state === 'failed' || this.#cancelled) {
        throw new Error(`the job is ${this.state}; savepoints are taken while it runs`);
      }
      await new Promise<void>((resolve) => this.#coordinatorWaiters.push(resolve));
    }
    const done = await this.#coordinator.triggerCheckpoint('savepoint', dir);
    return done.location.pointer;
  }

  cancel(): void {
    this.#cancelled = true;
    this.#attempt?.cancel();
    this.#wakeBackoff?.();
  }

  async #runAttempt(
    restored: Restored | null,
    recovered: { store: DefaultCompletedCheckpointStore; idCounter: CheckpointIdCounter } | undefined,
    lease: JobLease,
    epoch: number,
  ): Promise<'finished' | 'cancelled'> {
    const cp = this.checkpointing;
    let coordinator: CheckpointCoordinator | undefined;
    let stopping = false;
    const responder = {
      // A task torn down with its attempt may still finish a snapshot: it must not count.
      acknowledge: (...args: Parameters<CheckpointCoordinator['acknowledge']>) => void (stopping ? undefined : coordinator?.acknowledge(...args)),
      decline: (...args: Parameters<CheckpointCoordinator['decline']>) => void coordinator?.decline(...args),
    };
    const pool = this.#pool;
    const attempt: Deployment =
      pool !== undefined
        ? new ThreadedAttempt({
            id: ++this.#attempts,
            graph: this.graph,
            pool,
            logger: this.logger,
            cancellationTimeoutMs: this.cancellationTimeoutMs,
            restore: restored?.checkpoint ?? null,
            allowNonRestoredState: cp?.allowNonRestoredState ?? false,
            epoch,
            responder,
            checkLease: () => lease.check(),
          })
        : new ExecutionAttempt(
            this.graph,
            {
              ...this.build,
              restored: restored?.state ?? null,
              fencing: { epoch, checkLease: () => lease.check() },
              retainedCheckpoints: cp?.config.retained ?? 1,
              checkpointing: cp === null ? null : { mode: cp.config.mode, services: { storage: cp.storage, responder, uploads: new PQueue({ concurrency: UPLOAD_CONCURRENCY }) } },
            },
            this.logger,
            this.cancellationTimeoutMs,
          );
    attempt.onStopping = (reason) => {
      stopping = true;
      // A savepoint asked for from now on waits for the next attempt rather than meet a stopped coordinator.
      if (this.#coordinator === coordinator) this.#coordinator = undefined;
      coordinator?.stop(reason).catch((e: unknown) => this.logger.warn({ err: e }, 'stopping the checkpoint coordinator failed'));
    };
    this.#attempt = attempt;
    const deployedAt = performance.now();
    let ended = false;
    // Checkpoints start only once every task runs, so their timeout no longer ends an attempt stuck
    // while deploying (a worker waiting on checkpoint storage that never answers): this does.
    const deployTimeoutMs = cp?.config.timeout;
    const deployTimer =
      deployTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            if (ended || stopping) return;
            attempt.fail(new Error(`the tasks did not all start within ${deployTimeoutMs} ms (the checkpoint timeout): a worker thread is stuck loading the job or its restored state`));
          }, deployTimeoutMs);
    deployTimer?.unref();
    void attempt.deployed.then(() => {
      clearTimeout(deployTimer);
      if (ended) return;
      // The line tools wait for before counting on records flowing (`weir verify`, the crash tests).
      this.logger.info({ subtasks: this.graph.subtasks.length, ms: Math.round(performance.now() - deployedAt) }, 'tasks running');
      // As Flink, trigger only once every task runs: worker threads take a second or more to load
      // the job, and a barrier injected before then only times out.
      if (coordinator === undefined || stopping) return;
      this.#coordinator = coordinator;
      coordinator.start();
      this.#wakeCoordinatorWaiters();
    });
    if (this.#cancelled) attempt.cancel();
    if (cp !== null && recovered !== undefined) {
      const { store, idCounter } = recovered;
      const gateway = new AttemptGateway(attempt, () => idCounter.get(), () =>
        coordinator === undefined ? Promise.reject(new Error('no coordinator')) : coordinator.triggerCheckpoint(),
      );
      coordinator = new CheckpointCoordinator({
        jobName: this.graph.jobName,
        config: cp.config,
        storage: cp.storage,
        store,
        tasks: gateway,
        operators: this.graph.jobGraph.vertices.flatMap((v) =>
          v.nodes.map((n) => ({ uid: n.uid, name: n.name, parallelism: n.parallelism, maxParallelism: n.maxParallelism })),
        ),
        taskKeys: this.graph.subtasks.map((s) => s.taskKey),
        idCounter,
        clock: { now: () => Date.now() },
        timer: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
        logger: this.logger,
        onFailJob: (error) => attempt.fail(error),
        stats: this.stats,
        checkLease: () => lease.check(),
      });
    }
    try {
      const status = await attempt.run();
      await this.#stopCoordinator(coordinator, status === 'cancelled' ? 'job-cancelled' : 'coordinator-shutdown');
      return status;
    } catch (e) {
      await this.#stopCoordinator(coordinator, 'task-failure');
      throw e;
    } finally {
      ended = true;
      clearTimeout(deployTimer);
      this.#coordinator = undefined;
      await attempt.closeSharedResources();
    }
  }

  /**
   * Stops the coordinator, waiting for a finalization or discard in flight at most as long as
   * tasks get to stop: storage that does not answer must not keep the job from restarting.
   */
  async #stopCoordinator(coordinator: CheckpointCoordinator | undefined, reason: Parameters<CheckpointCoordinator['stop']>[0]): Promise<void> {
    if (coordinator === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      coordinator.stop(reason).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.cancellationTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!stopped) this.logger.error({ timeoutMs: this.cancellationTimeoutMs }, 'checkpoint storage did not answer while the coordinator stopped; going on without it');
  }

  #backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wakeBackoff = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

/** Whether the error, or one of its causes, is a `type`. */
function causedBy(e: unknown, type: abstract new (...args: never[]) => Error): boolean {
  let c: unknown = e;
  for (let depth = 0; c instanceof Error && depth < 8; depth++) {
    if (c instanceof type) return true;
    c = (c as Error).cause;
  }
  return false;
}
