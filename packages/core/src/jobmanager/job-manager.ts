import type { Logger } from 'pino';
import type { CheckpointStatsSnapshot } from '../checkpoint/stats.ts';
import type { CheckpointHistorySnapshot } from '../checkpoint/checkpoint-history.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import { buildExecutionGraph } from '../graph/execution-graph.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { Transformation } from '../graph/transformation.ts';
import type { StateBackend } from '../state/state-backend.ts';
import { JobRun, type CheckpointingSpec } from './job-run.ts';
import { forwardingLogger } from '../runtime/threads/log-forwarding.ts';
import { TaskManager, taskManagerData } from '../runtime/threads/task-manager.ts';
import type { TaskManagerData } from '../runtime/threads/thread-messages.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { WorkerEntry } from './worker-entry.ts';
import { parentPort } from 'node:worker_threads';
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
  /** Worker threads to run the subtasks on, and how each loads the job; `null`: the main thread runs them. */
  readonly workers: { readonly count: number; readonly entry: WorkerEntry } | null;
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
  /**
   * Checkpoints, failures and runs of the job across its runs, newest first: persisted beside the
   * checkpoints when the storage keeps job records (the last 1,000 checkpoints), else this run's.
   */
  checkpointHistory(): CheckpointHistorySnapshot;
  /** The job's tasks as deployed: each a chain of operators, and how records reach it. */
  plan(): readonly TaskPlan[];
}

/** One task of the job: its chained operators (head first) and its inputs with their partitioning. */
export interface TaskPlan {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  readonly operators: readonly { readonly uid: string; readonly name: string }[];
  readonly inputs: readonly { readonly from: string; readonly partitioning: 'forward' | 'rebalance' | 'broadcast' | 'hash' }[];
}

function planOf(graph: JobGraph): TaskPlan[] {
  return graph.vertices.map((v) => ({
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    operators: v.nodes.map((n) => ({ uid: n.uid, name: n.name })),
    inputs: v.inputs.map((e) => ({ from: e.source.id, partitioning: e.partitioner.kind })),
  }));
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
    const worker = taskManagerData();
    if (worker !== undefined) return serveInWorker(spec, graph, worker);
    const logger = spec.logger.child({ job: spec.jobName });
    const run = new JobRun(
      graph,
      { jobName: spec.jobName, batchSize: spec.batchSize, stateBackend: spec.stateBackend, logger },
      spec.checkpointing,
      spec.restartStrategy,
      logger,
      spec.cancellationTimeoutMs,
      spec.workers,
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
      checkpointHistory: () => run.history.snapshot(),
      plan: () => planOf(jobGraph),
    };
  }
}

/**
 * `execute` in a worker thread the main thread started for this job: the job file has defined the
 * job here too; instead of running it, this thread serves as a task manager for the subtasks the
 * main thread deploys to it. The client's result never settles: the main thread ends the thread.
 */
function serveInWorker(spec: JobSpec, graph: ExecutionGraph, data: TaskManagerData): JobClient {
  const logger = forwardingLogger(parentPort!, data.logLevel, data.thread).child({ job: spec.jobName });
  const manager = new TaskManager(
    data,
    graph,
    { jobName: spec.jobName, batchSize: spec.batchSize, stateBackend: spec.stateBackend, logger },
    spec.checkpointing,
    logger,
  );
  manager.serve();
  const never = new Promise<never>(() => {});
  const refuse = (): never => {
    throw new Error('this is a worker thread of the job: control it from the main thread');
  };
  return {
    jobName: spec.jobName,
    result: never,
    started: never,
    cancel: () => {},
    triggerSavepoint: async () => refuse(),
    checkpointStats: refuse,
    status: refuse,
    checkpointHistory: refuse,
    plan: refuse,
  };
}
