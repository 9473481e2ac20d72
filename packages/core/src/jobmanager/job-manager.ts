import type { Logger } from 'pino';
import type { CheckpointStatsSnapshot } from '../checkpoint/stats.ts';
import { buildExecutionGraph } from '../graph/execution-graph.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { Transformation } from '../graph/transformation.ts';
import type { StateBackend } from '../state/state-backend.ts';
import { JobRun, type CheckpointingSpec } from './job-run.ts';
import { JobExecutionError, type JobExecutionResult } from './job-result.ts';
import type { JobStatus } from './job-status.ts';
import type { RestartStrategy } from './restart/restart-strategy.ts';

/** Everything the JobManager needs to run a job, resolved by the environment. */
export interface JobSpec {
  readonly jobName: string;
  readonly transformations: readonly Transformation[];
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly batchSize: number;
  readonly channelCapacity: number;
  readonly stateBackend: StateBackend;
  readonly logger: Logger;
  readonly checkpointing: CheckpointingSpec | null;
  readonly restartStrategy: RestartStrategy;
  /** How long the tasks of a failed or cancelled attempt get to stop before they are abandoned, ms. */
  readonly cancellationTimeoutMs: number;
}

/** A running job: its result, and ways to reach it while it runs. */
export interface JobClient {
  readonly jobName: string;
  /** Settles when the job finishes, is cancelled, or fails for good (JobExecutionError). */
  readonly result: Promise<JobExecutionResult>;
  /**
   * Resolves once the job holds its lease (no other run of it is running); rejects, as `result`
   * does, when it fails before that (e.g. another run holds the job: the cause is a LeaseConflictError).
   */
  readonly started: Promise<void>;
  /** Stops the job; `result` then resolves with status 'cancelled'. Checkpoints are kept. */
  cancel(): void;
  /** Writes a savepoint below `dir` (a self-contained checkpoint that retention never deletes); resolves with its path. */
  triggerSavepoint(dir: string): Promise<string>;
  /** The last checkpoints' statistics (empty without checkpointing). */
  checkpointStats(): CheckpointStatsSnapshot;
  /** State, restarts, and per task its parallelism and records in/out (for monitoring). */
  status(): JobStatus;
}

/**
 * Builds the graphs, deploys the tasks of a job and watches them: a task failure restarts the job
 * from its latest checkpoint while the restart strategy allows, then fails it with that error
 * (which names the operator and subtask).
 */
export class JobManager {
  /** Builds and validates the job graph synchronously (bad graphs throw here), then runs it. */
  static submit(spec: JobSpec): JobClient {
    const streamGraph = buildStreamGraph(spec.jobName, spec.transformations, spec);
    const jobGraph = buildJobGraph(streamGraph);
    const graph = buildExecutionGraph(jobGraph, spec.channelCapacity);
    const logger = spec.logger.child({ job: spec.jobName });
    const run = new JobRun(
      graph,
      { jobName: spec.jobName, batchSize: spec.batchSize, stateBackend: spec.stateBackend, logger },
      spec.checkpointing,
      spec.restartStrategy,
      logger,
      spec.cancellationTimeoutMs,
    );
    const started = performance.now();
    logger.info(
      {
        tasks: jobGraph.vertices.map((v) => `${v.name} (x${v.parallelism})`),
        subtasks: graph.subtasks.length,
        checkpoints: spec.checkpointing === null ? 'off' : `${spec.checkpointing.config.interval} ms, ${spec.checkpointing.storage.description}`,
      },
      'job started',
    );
    const result = run.run().then(
      (status) => {
        const durationMs = Math.round(performance.now() - started);
        logger.info({ status, durationMs, restarts: run.restarts }, `job ${status}`);
        return { jobName: spec.jobName, status, durationMs, restarts: run.restarts };
      },
      (e: unknown) => {
        logger.error({ err: e, restarts: run.restarts }, 'job failed');
        throw new JobExecutionError(spec.jobName, e);
      },
    );
    return {
      jobName: spec.jobName,
      result,
      started: run.started,
      cancel: () => run.cancel(),
      triggerSavepoint: (dir) => run.triggerSavepoint(dir),
      checkpointStats: () => run.stats.snapshot(),
      status: () => run.status(),
    };
  }
}
