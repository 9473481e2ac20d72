import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { CheckpointConfig } from '../checkpoint/checkpoint-config.ts';
import { CheckpointIdCounter } from '../checkpoint/checkpoint-id-counter.ts';
import type { CompletedCheckpoint } from '../checkpoint/completed-checkpoint.ts';
import { CheckpointCoordinator } from '../checkpoint/coordinator.ts';
import { DefaultCompletedCheckpointStore } from '../checkpoint/default-completed-checkpoint-store.ts';
import { CheckpointStatsTracker } from '../checkpoint/stats.ts';
import type { CheckpointStorage } from '../checkpoint/storage/checkpoint-storage.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { RestoredState, TaskBuildContext } from '../runtime/task-builder.ts';
import { AttemptGateway } from './attempt-gateway.ts';
import { openCheckpoints, restoreLatest } from './checkpoint-recovery.ts';
import { ExecutionAttempt } from './execution-attempt.ts';
import type { JobState, JobStatus } from './job-status.ts';
import { restoreFrom } from './restore-from.ts';
import type { RestartStrategy } from './restart/restart-strategy.ts';

/** How a job checkpoints, resolved. */
export interface CheckpointingSpec {
  readonly config: CheckpointConfig;
  readonly storage: CheckpointStorage;
  /** Restore from this checkpoint or savepoint (a pointer) instead of the latest one, on the first attempt. */
  readonly fromCheckpoint: string | undefined;
  readonly allowNonRestoredState: boolean;
  /** Delete earlier checkpoints of the job and start from scratch. */
  readonly fresh: boolean;
}

/** Concurrent snapshot uploads of one job. */
const UPLOAD_CONCURRENCY = 4;

/**
 * One job from submission to its end (Flink's JobMaster, reduced): restores from the latest
 * complete checkpoint, runs an execution attempt with its checkpoint coordinator, and on failure
 * restarts the whole job from the latest checkpoint as the restart strategy allows.
 */
export class JobRun {
  readonly stats = new CheckpointStatsTracker();
  #attempt: ExecutionAttempt | undefined;
  #coordinator: CheckpointCoordinator | undefined;
  #cancelled = false;
  #wakeBackoff: (() => void) | undefined;
  restarts = 0;
  state: JobState = 'initializing';
  readonly startedAt = Date.now();

  constructor(
    readonly graph: ExecutionGraph,
    readonly build: Omit<TaskBuildContext, 'transport' | 'checkpointing' | 'restored' | 'fencing' | 'retainedCheckpoints'>,
    readonly checkpointing: CheckpointingSpec | null,
    readonly restartStrategy: RestartStrategy,
    readonly logger: Logger,
  ) {}

  async run(): Promise<'finished' | 'cancelled'> {
    try {
      this.state = await this.#run();
      return this.state;
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
  }

  /** State, restarts and per-task record counts of the current attempt. */
  status(): JobStatus {
    const tasks = this.#attempt?.tasks ?? [];
    return {
      jobName: this.graph.jobName,
      state: this.state,
      startedAt: this.startedAt,
      restarts: this.restarts,
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
    const candidates = cp === null ? [] : await openCheckpoints(cp.storage, this.logger, cp.fresh);
    const store = cp === null ? null : new DefaultCompletedCheckpointStore(cp.storage, cp.config.retained, candidates, this.logger);
    const idCounter = cp === null ? null : CheckpointIdCounter.fromListing(await cp.storage.list());
    let fromPointer = cp?.fromCheckpoint;
    for (;;) {
      let restored: RestoredState | null = null;
      if (cp !== null && store !== null) {
        if (fromPointer !== undefined) {
          const location = await cp.storage.resolve(fromPointer);
          const checkpoint: CompletedCheckpoint = {
            checkpointId: location.checkpointId,
            location,
            metadata: await cp.storage.readMetadata(location),
          };
          restored = await restoreFrom(checkpoint, cp.storage, this.graph, { ...cp, logger: this.logger });
          fromPointer = undefined;
        } else {
          restored = (await restoreLatest(store.all(), cp.storage, this.graph, { ...cp, logger: this.logger }))?.state ?? null;
        }
      }
      if (this.#cancelled) return 'cancelled';
      this.state = 'running';
      try {
        return await this.#runAttempt(restored, store, idCounter);
      } catch (e) {
        this.restartStrategy.notifyFailure(e instanceof Error ? e : new Error(String(e)), Date.now());
        if (this.#cancelled || !this.restartStrategy.canRestart()) throw e;
        const delay = this.restartStrategy.backoffMs();
        this.restarts++;
        this.state = 'restarting';
        this.logger.warn({ err: e, restarts: this.restarts, delayMs: delay, strategy: this.restartStrategy.description }, 'job failed; restarting from the latest checkpoint');
        await this.#backoff(delay);
      }
    }
  }

  /** Writes a savepoint below `dir`; resolves with its pointer. */
  async triggerSavepoint(dir: string): Promise<string> {
    const coordinator = this.#coordinator;
    if (coordinator === undefined) throw new Error('savepoints need checkpointing: call enableCheckpointing(...) on the environment');
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
    store: DefaultCompletedCheckpointStore | null,
    idCounter: CheckpointIdCounter | null,
  ): Promise<'finished' | 'cancelled'> {
    const cp = this.checkpointing;
    let coordinator: CheckpointCoordinator | undefined;
    const responder = {
      acknowledge: (...args: Parameters<CheckpointCoordinator['acknowledge']>) => void coordinator?.acknowledge(...args),
      decline: (...args: Parameters<CheckpointCoordinator['decline']>) => void coordinator?.decline(...args),
    };
    const attempt = new ExecutionAttempt(
      this.graph,
      {
        ...this.build,
        restored,
        fencing: { epoch: 0, checkLease: async () => {} },
        retainedCheckpoints: cp?.config.retained ?? 1,
        checkpointing: cp === null ? null : { mode: cp.config.mode, services: { storage: cp.storage, responder, uploads: new PQueue({ concurrency: UPLOAD_CONCURRENCY }) } },
      },
      this.logger,
    );
    this.#attempt = attempt;
    if (cp !== null && store !== null && idCounter !== null) {
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
      });
      this.#coordinator = coordinator;
      coordinator.start();
    }
    try {
      const status = await attempt.run();
      await coordinator?.stop(status === 'cancelled' ? 'job-cancelled' : 'coordinator-shutdown');
      return status;
    } catch (e) {
      await coordinator?.stop('task-failure');
      throw e;
    } finally {
      this.#coordinator = undefined;
    }
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
