import { hostname } from 'node:os';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { CheckpointConfig } from '../checkpoint/checkpoint-config.ts';
import type { CheckpointIdCounter } from '../checkpoint/checkpoint-id-counter.ts';
import { CheckpointCoordinator } from '../checkpoint/coordinator.ts';
import type { DefaultCompletedCheckpointStore } from '../checkpoint/default-completed-checkpoint-store.ts';
import { CheckpointStatsTracker } from '../checkpoint/stats.ts';
import type { CheckpointStorage } from '../checkpoint/storage/checkpoint-storage.ts';
import { LeaseLostError, localLease, type JobLease } from '../checkpoint/storage/job-lease.ts';
import { RestoreError } from '../checkpoint/restore/restored-job-state.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { RestoredState, TaskBuildContext } from '../runtime/task-builder.ts';
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
  #attempt: ExecutionAttempt | undefined;
  #coordinator: CheckpointCoordinator | undefined;
  #cancelled = false;
  #wakeBackoff: (() => void) | undefined;
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
  ) {
    this.started.catch(() => {}); // observed through run()
  }

  async run(): Promise<'finished' | 'cancelled'> {
    try {
      this.state = await this.#run();
      return this.state;
    } catch (e) {
      this.state = 'failed';
      this.#startFailed(e);
      throw e;
    }
  }

  /** State, restarts, failures and per-task record counts of the current attempt. */
  status(): JobStatus {
    const tasks = this.#attempt?.tasks ?? [];
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
        for (const { task, subtask } of tasks) {
          if (subtask.vertex !== v) continue;
          recordsIn += task.recordsIn;
          recordsOut += task.recordsOut;
        }
        const inputs = v.inputs.map((e) => e.source.id);
        return { id: v.id, name: v.name, parallelism: v.parallelism, inputs, recordsIn, recordsOut };
      }),
    };
  }

  async #run(): Promise<'finished' | 'cancelled'> {
    const cp = this.checkpointing;
    const holder = { pid: process.pid, host: hostname(), since: Date.now() };
    let lease: JobLease | undefined;
    try {
      const held = cp?.storage.acquireLease === undefined ? localLease(holder) : await cp.storage.acquireLease(holder);
      lease = held;
      this.#started();
      const recovered = cp === null ? undefined : await recoverCheckpoints(cp, this.graph, this.logger);
      let explicit = recovered?.explicit;
      for (;;) {
        try {
          // Inside the retried block: storage that is down at a restart (a Redis coming back) is
          // one more failure for the restart strategy, not the end of the job.
          let restored: RestoredState | null = null;
          if (cp !== null && recovered !== undefined) {
            if (explicit !== undefined) restored = explicit.state;
            else restored = (await restoreLatest(recovered.store.all(), cp.storage, this.graph, { ...cp, logger: this.logger }))?.state ?? null;
            explicit = undefined;
          }
          if (this.#cancelled) return 'cancelled';
          const epoch = await held.advance();
          this.state = 'running';
          return await this.#runAttempt(restored, recovered, held, epoch);
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          this.failures.record(error, Date.now());
          // Another run owns the job, or the checkpoint cannot fit the job: a restart changes neither.
          if (causedBy(e, LeaseLostError) || causedBy(e, RestoreError)) throw e;
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
      await lease?.release().catch((e: unknown) => this.logger.warn({ err: e }, 'releasing the job lease failed'));
      // Every connection the job opened closes with it, the checkpoint storage's too.
      await cp?.storage.close().catch((e: unknown) => this.logger.warn({ err: e }, 'closing the checkpoint storage failed'));
    }
  }

  /** Writes a savepoint below `dir`; resolves with its pointer. */
  async triggerSavepoint(dir: string): Promise<string> {
    const coordinator = this.#coordinator;
    if (coordinator === undefined) {
      if (this.checkpointing === null) throw new Error('savepoints need checkpointing: call enableCheckpointing(...) on the environment');
      throw new Error(`the job is ${this.state}; savepoints are taken while it runs`);
    }
    const done = await coordinator.triggerCheckpoint('savepoint', dir);
    return done.location.pointer;
  }

  cancel(): void {
    this.#cancelled = true;
    this.#attempt?.cancel();
    this.#wakeBackoff?.();
  }

  async #runAttempt(
    restored: RestoredState | null,
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
    const attempt = new ExecutionAttempt(
      this.graph,
      {
        ...this.build,
        restored,
        fencing: { epoch, checkLease: () => lease.check() },
        retainedCheckpoints: cp?.config.retained ?? 1,
        checkpointing: cp === null ? null : { mode: cp.config.mode, services: { storage: cp.storage, responder, uploads: new PQueue({ concurrency: UPLOAD_CONCURRENCY }) } },
      },
      this.logger,
      this.cancellationTimeoutMs,
    );
    attempt.onStopping = (reason) => {
      stopping = true;
      coordinator?.stop(reason).catch((e: unknown) => this.logger.warn({ err: e }, 'stopping the checkpoint coordinator failed'));
    };
    this.#attempt = attempt;
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
      this.#coordinator = coordinator;
      coordinator.start();
    }
    try {
      const status = await attempt.run();
      await this.#stopCoordinator(coordinator, status === 'cancelled' ? 'job-cancelled' : 'coordinator-shutdown');
      return status;
    } catch (e) {
      await this.#stopCoordinator(coordinator, 'task-failure');
      throw e;
    } finally {
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
