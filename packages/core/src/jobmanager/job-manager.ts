import type { Logger } from 'pino';
import { buildExecutionGraph } from '../graph/execution-graph.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { Transformation } from '../graph/transformation.ts';
import type { StateBackend } from '../state/state-backend.ts';
import { ExecutionAttempt } from './execution-attempt.ts';
import { JobExecutionError, type JobExecutionResult } from './job-result.ts';

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
}

/** A running job: its result, and a way to stop it. */
export interface JobClient {
  readonly jobName: string;
  /** Settles when the job finishes, is cancelled, or fails for good (JobExecutionError). */
  readonly result: Promise<JobExecutionResult>;
  /** Stops the job; `result` then resolves with status 'cancelled'. */
  cancel(): void;
}

/**
 * Builds the graphs, deploys the tasks of a job and watches them: the first task failure fails
 * the job with that error (which names the operator and subtask).
 */
export class JobManager {
  /** Builds and validates the job graph synchronously (bad graphs throw here), then runs it. */
  static submit(spec: JobSpec): JobClient {
    const streamGraph = buildStreamGraph(spec.jobName, spec.transformations, spec);
    const jobGraph = buildJobGraph(streamGraph);
    const graph = buildExecutionGraph(jobGraph, spec.channelCapacity);
    const logger = spec.logger.child({ job: spec.jobName });
    const attempt = new ExecutionAttempt(
      graph,
      { jobName: spec.jobName, batchSize: spec.batchSize, stateBackend: spec.stateBackend, logger },
      logger,
    );
    const started = performance.now();
    logger.info(
      { tasks: jobGraph.vertices.map((v) => `${v.name} (x${v.parallelism})`), subtasks: graph.subtasks.length },
      'job started',
    );
    const result = attempt.run().then(
      (status) => {
        const durationMs = Math.round(performance.now() - started);
        logger.info({ status, durationMs }, `job ${status}`);
        return { jobName: spec.jobName, status, durationMs, restarts: 0 };
      },
      (e: unknown) => {
        logger.error({ err: e }, 'job failed');
        throw new JobExecutionError(spec.jobName, e);
      },
    );
    return { jobName: spec.jobName, result, cancel: () => attempt.cancel() };
  }
}
