/**
 * What a worker thread of `weir run` runs (see `StreamEnvironment.setWorkers`): it loads the job
 * file as the main thread did, defines the job on a fresh environment with the same command-line
 * overrides, and calls `executeAsync`, which in a worker thread serves the subtasks the main thread
 * places on it. A job file that fails here fails the job with the reason (it cannot run on threads).
 */
import { workerData } from 'node:worker_threads';
import { StreamEnvironment } from '@weir/core';
import { applyRunOverrides, type RunOverrides } from './apply-run-options.ts';
import { defineJob, loadJobFile } from './load-job-file.ts';

/** What `weir run` passes to its worker threads. */
export interface WorkerJob {
  readonly file: string;
  readonly jobName: string;
  readonly overrides: RunOverrides;
}

const job = (workerData as { app: WorkerJob }).app;
const env = StreamEnvironment.create();
await defineJob(job.file, await loadJobFile(job.file), env);
applyRunOverrides(env, job.overrides);
env.executeAsync(job.jobName);
