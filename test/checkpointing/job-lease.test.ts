/**
 * One owner per job, inside one process: a second run of a job on the same checkpoint directory
 * is refused while the first holds its lease; a run whose lease another run took over stops at its
 * next checkpoint, without a restart and without completing another checkpoint.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobExecutionError, LeaseConflictError, LeaseLostError, fixedDelay, generatorSource, collectSink, type StreamEnvironment } from '@weir/core';
import { checkpointDirs, quietEnv, rejectionOf, tempDirs, waitUntil } from '../support/checkpoint-jobs.ts';

const JOB = 'leased';
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

function defineJob(env: StreamEnvironment, storage: string): void {
  env.enableCheckpointing(20, { storage });
  env.setRestartStrategy(fixedDelay({ attempts: 5, delay: 10 }));
  env.fromSource(generatorSource({ generate: (i) => i, ratePerSecond: 2_000 })).uid('src').sinkTo(collectSink()).uid('sink');
}

describe('the job lease', () => {
  it('refuses a second run of the job while the first runs, naming it', async () => {
    const storage = await dirs.make();
    const first = quietEnv();
    defineJob(first, storage);
    const running = first.executeAsync(JOB);
    await running.started;

    const second = quietEnv();
    defineJob(second, storage);
    const refused = second.executeAsync(JOB);
    const error = await rejectionOf(refused.result);
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.cause).toBeInstanceOf(LeaseConflictError);
    expect(error.message).toContain(`job '${JOB}' is already running: pid ${process.pid}`);
    await expect(refused.started).rejects.toBeInstanceOf(LeaseConflictError);

    // The first run is untouched and goes on checkpointing.
    await waitUntil(() => running.checkpointStats().counts.completed >= 3, 'three checkpoints of the first run');
    running.cancel();
    expect((await running.result).status).toBe('cancelled');
  });

  it('stops a run whose lease was taken over, without restarting and without completing another checkpoint', async () => {
    const storage = await dirs.make();
    const env = quietEnv();
    defineJob(env, storage);
    const client = env.executeAsync(JOB);
    await waitUntil(() => client.checkpointStats().counts.completed >= 2, 'two checkpoints');
    // Another run takes the job over (as one on another host would after a missed renewal).
    const leaseFile = join(storage, JOB, '_lease');
    const current = JSON.parse(await readFile(leaseFile, 'utf8')) as { epoch: number };
    await writeFile(leaseFile, JSON.stringify({ pid: 1, host: 'elsewhere', since: Date.now(), token: 'theirs', epoch: current.epoch + 1 }));
    const completedAtTakeover = client.checkpointStats().counts.completed;
    const checkpointsAtTakeover = await checkpointDirs(storage, JOB);

    const error = await rejectionOf(client.result);
    expect(error).toBeInstanceOf(JobExecutionError);
    let cause: unknown = error;
    while (cause instanceof Error && !(cause instanceof LeaseLostError)) cause = cause.cause;
    expect(cause).toBeInstanceOf(LeaseLostError);
    expect(client.status().restarts).toBe(0);
    // At most the checkpoint that was finalizing at the takeover completed; none after it.
    expect(client.checkpointStats().counts.completed).toBeLessThanOrEqual(completedAtTakeover + 1);
    expect((await checkpointDirs(storage, JOB)).filter((d) => !checkpointsAtTakeover.includes(d)).length).toBeLessThanOrEqual(1);
    // The lease file of the new owner is left alone.
    expect(JSON.parse(await readFile(leaseFile, 'utf8')).token).toBe('theirs');
  });
});
