/**
 * A checkpoint or savepoint a job restored from is its latest completed checkpoint until a newer
 * one completes (Flink's rule): a restart soon after the restore, in the same process or in the
 * next run after a crash, goes back to it, never to an older checkpoint of the job; and checkpoint
 * ids continue above it.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, fixedDelay, generatorSource, type StreamEnvironment } from '@weir/core';
import { readCommitted } from '../support/file-sink-output.ts';
import { capturingLogger, checkpointDirs, quietEnv, tempDirs, waitUntil } from '../support/checkpoint-jobs.ts';

const COUNT = 20_000;
const JOB = 'from-savepoint';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** generator → map (may throw once) → exactly-once file sink; `throwOnce.armed` makes the next record fail. */
function defineJob(env: StreamEnvironment, out: string, throwOnce: { armed: boolean; thrown: number }): void {
  env
    .fromSource(generatorSource({ count: COUNT, generate: (i) => ({ i }), ratePerSecond: 20_000 }))
    .uid('src')
    .map((r) => {
      if (throwOnce.armed) {
        throwOnce.armed = false;
        throwOnce.thrown++;
        throw new Error('fails once, right after the restore');
      }
      return r;
    })
    .uid('map')
    .sinkTo(fileSink<{ i: number }>({ directory: out }))
    .uid('sink');
}

/** Runs the job until some checkpoints completed, then cancels it with a savepoint; returns the savepoint's path. */
async function runThenSavepoint(root: string, out: string): Promise<string> {
  const env = quietEnv(1);
  env.enableCheckpointing(50, { storage: join(root, 'ck') });
  defineJob(env, out, { armed: false, thrown: 0 });
  const client = env.executeAsync(JOB);
  await waitUntil(async () => (await checkpointDirs(join(root, 'ck'), JOB)).length >= 2 && client.checkpointStats().counts.completed >= 3, 'three checkpoints');
  const savepoint = await client.triggerSavepoint(join(root, 'sp'));
  client.cancel();
  expect((await client.result).status).toBe('cancelled');
  return savepoint;
}

async function expectExactlyOnce(out: string): Promise<void> {
  const is = (await readCommitted<{ i: number }>(out)).map((o) => o.i);
  expect(new Set(is).size, 'records lost').toBe(COUNT);
  expect(is.length - COUNT, 'records committed twice').toBe(0);
}

describe('a job started from a savepoint', () => {
  it('goes back to the savepoint when it fails before its first checkpoint, not to an older checkpoint', async () => {
    const root = await dirs.make();
    const out = join(root, 'out');
    const savepoint = await runThenSavepoint(root, out);

    const env = quietEnv(1);
    // No periodic checkpoint completes before the failure.
    env.enableCheckpointing(600_000, { storage: join(root, 'ck'), fromCheckpoint: savepoint });
    env.setRestartStrategy(fixedDelay({ attempts: 2, delay: 10 }));
    const throwOnce = { armed: true, thrown: 0 };
    defineJob(env, out, throwOnce);
    const result = await env.execute(JOB);
    expect(throwOnce.thrown).toBe(1);
    expect(result).toMatchObject({ status: 'finished', restarts: 1 });
    await expectExactlyOnce(out);
  });

  it('goes back to the savepoint in the next run after a crash before its first checkpoint', async () => {
    const root = await dirs.make();
    const out = join(root, 'out');
    const savepoint = await runThenSavepoint(root, out);

    // Started from the savepoint, stopped before any checkpoint completes (as a crash would).
    const second = quietEnv(1);
    second.enableCheckpointing(600_000, { storage: join(root, 'ck'), fromCheckpoint: savepoint });
    defineJob(second, out, { armed: false, thrown: 0 });
    const client = second.executeAsync(JOB);
    await client.started;
    client.cancel();
    await client.result;

    const { logger, entries } = capturingLogger();
    const third = quietEnv(1, logger);
    third.enableCheckpointing(100, { storage: join(root, 'ck') });
    defineJob(third, out, { armed: false, thrown: 0 });
    await third.execute(JOB);
    const restoring = entries.find((e) => e.msg.startsWith('restoring from'));
    expect(restoring?.msg).toMatch(/^restoring from savepoint /);
    await expectExactlyOnce(out);
  });

  it('numbers its checkpoints above the savepoint, also in a job directory of its own', async () => {
    const root = await dirs.make();
    const savepoint = await runThenSavepoint(root, join(root, 'out'));
    const savepointId = Number(/savepoint-(\d+)-/.exec(savepoint)![1]);

    const { logger, entries } = capturingLogger();
    const env = quietEnv(1, logger);
    env.enableCheckpointing(30, { storage: join(root, 'other-ck'), fromCheckpoint: savepoint });
    defineJob(env, join(root, 'out-2'), { armed: false, thrown: 0 });
    await env.execute(JOB);
    const ids = entries.filter((e) => e.msg === 'checkpoint triggered').map((e) => e.checkpointId as number);
    expect(ids.length).toBeGreaterThan(0);
    expect(Math.min(...ids)).toBe(savepointId + 1);
  });
});
